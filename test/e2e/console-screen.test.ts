// End to end: what the console draws line by line (only the lines that changed) is what a full
// redraw draws. Keys at full speed (j, k, PageDown, a filter, each sequence in one send-keys) while
// the simulator's heartbeats arrive; then a stray write lands on the terminal and the screen is
// compared with the one Ctrl-L draws, every line again. A stale line, a line in the wrong row or the
// stray write left standing shows as a difference.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlaveView } from '../../src/domain/slave.js';
import {
  CORRAL_BIN,
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../support/collector.js';
import { hasTmux, openTerminal, type Terminal } from './tmux.js';

const tmux = hasTmux();
if (!tmux) console.warn('SKIPPED: console end-to-end tests need tmux (apt-get install tmux)');

const SLAVES = 600;
const node = process.execPath;
/** The header's server clock: a tick between two captures changes it (and the ages with it). */
const clockOf = (screen: string) => /server time (\S+)/.exec(screen)?.[1] ?? '';

describe.skipIf(!tmux)('the console screen', () => {
  let collector: RunningCollector;
  let simulate: ChildProcess | undefined;
  let term: Terminal | undefined;

  beforeAll(async () => {
    collector = await startCollector();
    simulate = spawn(
      node,
      [CORRAL_BIN, 'simulate', '--slaves', String(SLAVES), '--collector', collector.url],
      { stdio: 'ignore' },
    );
    await waitFor(
      async () =>
        (await getJson<{ slaves: SlaveView[] }>(`${collector.url}/api/v1/slaves`)).body.slaves
          .length >=
        SLAVES * 0.9,
      30_000,
      'the simulated farm',
    );
  }, 90_000);

  afterAll(async () => {
    term?.close();
    await stopSimulator();
    await collector?.stop();
  });

  async function stopSimulator() {
    if (!simulate || simulate.exitCode !== null) return;
    const exited = once(simulate, 'exit');
    simulate.kill('SIGTERM');
    await exited;
  }

  it('draws after fast keys and arriving data exactly what a full redraw draws', async () => {
    const t = openTerminal(
      [node, CORRAL_BIN, 'console', collector.wsUrl.replace('/api/v1/stream', '')],
      { columns: 120, rows: 40 },
    );
    term = t;
    await t.until((s) => s.includes('● connected') && /showing \d+/.test(s), 'the table');
    const keys = (...args: string[]) => execFileSync('tmux', [...t.tmuxArgs(), ...args]);
    // Each sequence in one send-keys: the keys arrive together, as from a fast typist. Mode changes
    // (the filter prompt opened, a filter kept) are waited for: keys split from one chunk are
    // another engineer's work (issue 16.1), what is drawn is this test's.
    const send = (...args: string[]) => keys('send-keys', '-t', 'e2e', ...args);
    // Every cell with its attributes, trailing blanks included: a stale cursor bar is blanks in inverse.
    const screen = () => String(keys('capture-pane', '-p', '-e', '-N', '-t', 'e2e'));
    send('-l', 'jjjjjjjjjjjjjjjjjjjj');
    send('PageDown', 'PageDown', 'k', 'k', 'k', 'Down', 'Down', 'PageUp', 'PageDown');
    send('/');
    await t.until((s) => s.includes('type to filter'), 'the filter prompt');
    send('-l', 'talos');
    await t.until((s) => /talos▏ +showing \d+/.test(s), 'the filter typed');
    send('Enter');
    await t.until((s) => /\/talos +showing \d+/.test(s), 'the filter kept');
    send('-l', 'jjjjjjjjjkkkkjjjjjjjjjjjjjjjjjjjjj');
    send('PageDown', 'PageUp', 'PageDown', 'PageDown', 'k');
    send('/');
    await t.until((s) => s.includes('type to filter'), 'the filter prompt again');
    send('Escape');
    await t.until((s) => /^showing \d+/m.test(s), 'the filter cleared');
    send('/');
    await t.until((s) => s.includes('type to filter'), 'the filter prompt again');
    send('-l', 'bld');
    await t.until((s) => /bld▏ +showing \d+/.test(s), 'the second filter typed');
    send('Enter');
    await t.until((s) => /\/bld +showing \d+/.test(s), 'the last filter');
    send('-l', 'jjjjjjjjjjjjjjjjjjjjjjjjjkkkkkg');
    // The heartbeats stop. A last one, critical with a marker, shows in the MESSAGE column once
    // every delta before it is drawn; from then only the clock changes the screen (and the header).
    await stopSimulator();

    for (let attempt = 1; ; attempt++) {
      // Each attempt moves the cursor bar over many rows again: what a redraw would hide is back.
      send('-l', 'jjjjjjjjjjjjjjjjjjjjjjkkkkjjj');
      send('PageDown', 'PageUp', 'Down', 'Down', 'Up', 'Home');
      const marker = `e2e marker ${attempt}`;
      const posted = await postJson(`${collector.url}/api/v1/heartbeats`, {
        slave: 'bld-e2e-marker',
        kind: 'critical',
        message: marker,
      });
      expect(posted.status).toBe(202);
      await t.until((s) => s.includes(marker), 'the marker heartbeat');
      const before = screen();
      // Something else writes to the terminal, on the last row (the console's frame leaves it
      // alone): only Ctrl-L, which draws every line again, takes it away.
      const tty = String(keys('display-message', '-p', '-t', 'e2e', '#{pane_tty}')).trim();
      writeFileSync(tty, `\x1b[40;1Hstray write ${attempt}`);
      await t.until((s) => s.includes(`stray write ${attempt}`), 'the stray write');
      send('C-l');
      // Polled until equal: tmux may take the redraw in several reads. A tick between the two
      // captures changes the clock and the ages: then compare again. At the deadline the difference shows.
      const deadline = Date.now() + 3000;
      let after = screen();
      while (after !== before && clockOf(after) === clockOf(before) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        after = screen();
      }
      if (after !== before && clockOf(after) !== clockOf(before) && attempt < 6) continue;
      expect(after).toBe(before);
      break;
    }
  }, 120_000);
});
