// End to end: the real `corral console` in tmux given three collectors (the first never up, two
// real ones): it starts on the second, and when that one is killed it moves to the third, resyncs
// from that collector's own snapshot and says in the header and the status line where it is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORRAL_BIN,
  postJson,
  startCollector,
  type RunningCollector,
} from '../support/collector.js';
import { freePort } from '../integration/agent/run-cli.js';
import { hasTmux, openTerminal, type Terminal } from './tmux.js';

const tmux = hasTmux();
if (!tmux) console.warn('SKIPPED: console end-to-end tests need tmux (apt-get install tmux)');

describe.skipIf(!tmux)('corral console with several collectors', () => {
  let a: RunningCollector;
  let b: RunningCollector;
  let term: Terminal | undefined;

  beforeAll(async () => {
    [a, b] = await Promise.all([startCollector(), startCollector()]);
    expect((await postJson(`${a.url}/api/v1/heartbeats`, { slave: 'only-on-a' })).status).toBe(202);
    expect((await postJson(`${b.url}/api/v1/heartbeats`, { slave: 'only-on-b' })).status).toBe(202);
  }, 60_000);

  afterAll(async () => {
    term?.close();
    for (const c of [a, b]) {
      await c?.stop();
      c?.cleanup();
    }
  });

  it('starts on the first that answers, moves to the next when it is killed, and says so', async () => {
    const down = `ws://127.0.0.1:${await freePort()}`;
    const wsA = `ws://127.0.0.1:${a.port}`;
    const wsB = `ws://127.0.0.1:${b.port}`;
    const t = openTerminal([
      process.execPath,
      CORRAL_BIN,
      'console',
      '--collector',
      `${down},${wsA},${wsB}`,
    ]);
    term = t;

    const onA = await t.until(
      (s) => s.includes('● connected') && s.includes('only-on-a'),
      "the second collector's farm",
    );
    expect(onA.split('\n')[0]).toContain(`${wsA} (collector 2 of 3)`);

    await a.kill();
    const onB = await t.until(
      (s) => s.includes('● connected') && s.includes('only-on-b'),
      "the third collector's farm",
    );
    const lines = onB.split('\n');
    expect(lines[0]).toContain(`${wsB} (collector 3 of 3)`);
    // Resynced from B's snapshot: A's slaves went with A.
    expect(onB).not.toContain('only-on-a');
    expect(onB).toContain(`moved to ${wsB}: lost ${wsA}`);

    await t.press('q');
    await t.until((s) => s.includes('CORRAL-EXIT=0'), 'a clean exit');
  }, 60_000);
});
