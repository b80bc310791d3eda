// End to end: a heartbeat token holder writes escape sequences in a critical message (issue 17
// item 10); the console's detail pane and `corral ls` show them as text, in a real terminal (tmux).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORRAL_BIN,
  postJson,
  startCollector,
  type RunningCollector,
} from '../support/collector.js';
import { hasTmux, openTerminal, type Terminal } from './tmux.js';

const tmux = hasTmux();
if (!tmux) console.warn('SKIPPED: console end-to-end tests need tmux (apt-get install tmux)');

const node = process.execPath;
/** The message: a title, a clear-screen, red, and an OSC 52 write to the clipboard. */
const ATTACK = 'ok\x1b]0;PWNED-TITLE\x07 \x1b[2J\x1b[31mRED\x1b[0m \x1b]52;c;cHduZWQ=\x07 end';
const SHOWN = 'ok␛]0;PWNED-TITLE␇ ␛[2J␛[31mRED␛[0m ␛]52;c;cHduZWQ=␇ end';
/** An inventory's pool says the same (YAML's \e and \a are ESC and BEL). */
const INVENTORY = `- {name: evil-002, pool: "p\\e]0;PWNED-TITLE\\a\\e[31mRED\\e[0m"}\n`;
const POOL_SHOWN = 'p␛]0;PWNED-TITLE␇␛[31mRED␛[0m';
/** Any SGR right before RED: the terminal would have painted it. */
const PAINTED = new RegExp(`${'\x1b'}\\[[0-9;]*m(?=RED)`);

describe.skipIf(!tmux)('text from slaves in a terminal', () => {
  let collector: RunningCollector;
  const terms: Terminal[] = [];

  beforeAll(async () => {
    collector = await startCollector({
      config: 'inventory: inventory.yaml\n',
      files: { 'inventory.yaml': INVENTORY },
    });
    const sent = await postJson(`${collector.url}/api/v1/heartbeats`, {
      slave: 'evil-001',
      kind: 'critical',
      message: ATTACK,
    });
    expect(sent.status).toBe(202);
  }, 30_000);

  afterAll(async () => {
    for (const t of terms) t.close();
    await collector?.stop();
    if (collector) rmSync(collector.dir, { recursive: true, force: true });
  });

  it('the console shows the escapes as text: the title stays, nothing is painted', async () => {
    const t = openTerminal([node, CORRAL_BIN, 'console', `127.0.0.1:${collector.port}`]);
    terms.push(t);
    const table = await t.until(
      (s) => s.includes('● connected') && s.includes('evil-001') && s.includes('evil-002'),
      'both slaves',
    );
    // The inventory's pool in its column (cut to the column's width).
    expect(table).toContain('p␛]0;PWNED');
    // Filter to the critical slave, then open its detail.
    await t.press('/');
    await t.type('evil-001');
    await t.press('Enter');
    await t.until((s) => s.includes('showing 1 of 2'), 'the filter');
    await t.press('Enter');
    const screen = await t.until(
      (s) => s.includes('last messages') && s.includes('critical: ok'),
      'the critical message in the detail pane',
    );
    expect(t.title()).not.toContain('PWNED');
    expect(screen).toContain(SHOWN);
    const escaped = t.capture(true);
    expect(escaped).not.toMatch(PAINTED);
    expect(escaped).not.toContain('\x1b]');
  }, 60_000);

  it('corral ls shows an inventory pool with escapes as text', async () => {
    const t = openTerminal([node, CORRAL_BIN, 'ls', '--collector', collector.url]);
    terms.push(t);
    const screen = await t.until((s) => s.includes('CORRAL-EXIT='), 'ls to finish');
    expect(screen).toContain('CORRAL-EXIT=0');
    expect(t.title()).not.toContain('PWNED');
    expect(screen).toContain(POOL_SHOWN);
    expect(t.capture(true)).not.toMatch(PAINTED);
  }, 30_000);
});
