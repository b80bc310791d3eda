// End to end: an operator acts from the real `corral console` in tmux on a real collector wired to a
// real Nagios Core 4: marks, the form, the confirmation (hidden marks, the exact Nagios lines), the
// downtime confirmed from status.dat and shown muted; a viewer console cannot act but sees it logged.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRAL_BIN, postJson, type RunningCollector } from '../support/collector.js';
import { hasNagios, type NagiosInstance } from '../support/nagios.js';
import { startWiredNagios } from '../support/wired-nagios.js';
import { hasTmux, openTerminal, type Terminal } from './tmux.js';

const tmux = hasTmux();
if (!tmux)
  console.warn('\n!!! SKIPPING console action tests: tmux is missing (apt-get install tmux) !!!\n');

const SLAVES = Array.from({ length: 12 }, (_, i) => `act-slave-${String(i).padStart(2, '0')}`);
const OPERATOR = 'operator-token-e2e-0123456789';
const VIEWER = 'viewer-token-e2e-0123456789ab';
const CHECKER = 'checker-token-e2e-0123456789';
const COMMENT = 'rack 4 power work';
const node = process.execPath;
const rowsOf = (screen: string) => screen.split('\n').filter((l) => /^[◆ ] +[?✖▲!↻✓] /.test(l));
const nameOf = (row: string) => row.split(/ +/)[3]!;

describe.skipIf(!tmux || !hasNagios)('acting from corral console on a real Nagios', () => {
  let dir: string;
  let nagios: NagiosInstance;
  let collector: RunningCollector;
  const terms: Terminal[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corral-console-actions-'));
    ({ nagios, collector } = await startWiredNagios({
      dir,
      slaves: SLAVES.map((s) => `{name: ${s}, pool: rack4}`),
      checker: CHECKER,
      tokens: [
        `  - {name: jdoe, role: operator, token: ${OPERATOR}}`,
        `  - {name: vera, role: viewer, token: ${VIEWER}}`,
      ],
    }));
    // Every slave started a while ago, a minute apart, so the order on screen is known.
    const now = Date.now();
    const beats = SLAVES.map((slave, i) => ({
      slave,
      kind: 'start',
      master: 'bm01',
      at: new Date(now - (SLAVES.length - i) * 60_000).toISOString(),
    }));
    const sent = await postJson(`${collector.url}/api/v1/heartbeats`, beats, {
      authorization: `Bearer ${OPERATOR}`,
    });
    expect(sent.status).toBe(202);
  }, 120_000);

  afterAll(async () => {
    for (const t of terms) t.close();
    await collector?.stop();
    collector?.cleanup();
    await nagios?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const consoleAs = (token: string) => {
    const t = openTerminal([node, CORRAL_BIN, 'console', collector.url, '--token', token], {
      columns: 150,
      rows: 40,
    });
    terms.push(t);
    return t;
  };

  it('schedules a downtime on marked slaves (some hidden by the filter), confirmed by Nagios and shown muted', async () => {
    const viewer = consoleAs(VIEWER);
    const op = consoleAs(OPERATOR);
    await op.until(
      (s) => s.includes('● connected as jdoe (operator)') && s.includes('showing 12 of 12'),
      'the operator console',
    );
    await viewer.until(
      (s) => s.includes('● connected as vera (viewer)') && s.includes('showing 12 of 12'),
      'the viewer console',
    );

    // A viewer is told why, and nothing opens.
    await viewer.press('d');
    await viewer.until((s) => s.includes('your token (viewer) cannot act'), 'the viewer refusal');

    // Mark the first three rows, then filter down to one of them: two marks hidden.
    await op.press('Space', 'Space', 'Space');
    await op.until((s) => s.includes('3 marked'), 'three marks');
    const marked = rowsOf(op.capture()).slice(0, 3).map(nameOf);
    expect(marked).toHaveLength(3);
    await op.press('/');
    await op.type(marked[2]!);
    await op.press('Enter');
    await op.until((s) => s.includes('3 marked (2 hidden by filter)'), 'hidden marks');

    // The form: default 2h; Enter goes on to the comment, required before going further.
    await op.press('d');
    await op.until(
      (s) => s.includes('Schedule a downtime on 3 slaves (2 of them hidden by the current filter)'),
      'the downtime form',
    );
    expect(op.capture()).toMatch(/for \/ until +2h/);
    await op.press('Enter');
    await op.until((s) => /▸ comment .*a comment is required/.test(s), 'the missing comment');
    await op.press('Enter');
    await op.until((s) => /▸ comment .*a comment is required/.test(s), 'still the comment');
    await op.type(COMMENT);
    await op.press('Enter');

    // The confirmation: how many, names, how many hidden, the window in local time, then the exact lines.
    const confirm = await op.until(
      (s) => s.includes('Schedule a fixed downtime of 2h on 3 slaves?'),
      'the confirmation',
    );
    expect(confirm).toContain(`slaves: ${marked.join(', ')}`);
    expect(confirm).toContain('2 of them hidden by the current filter');
    // The end carries its date when it falls on another day (a run after 22:00 UTC).
    expect(confirm).toMatch(/from now \(\d\d:\d\d \S+\) until (\d\d-\d\d )?\d\d:\d\d \S+/);
    expect(confirm).toContain(`comment: ${COMMENT}`);
    await op.press('v');
    const lines = await op.until(
      (s) => s.includes('Nagios command lines (3)'),
      'the dry-run lines',
    );
    for (const name of marked) {
      expect(lines).toMatch(
        new RegExp(
          `SCHEDULE_SVC_DOWNTIME;${name};buildbot-start;\\d+;\\d+;1;0;7200;jdoe;${COMMENT}`,
        ),
      );
    }
    // A dry run writes nothing.
    expect(
      (await nagios.externalCommands()).some((c) => c.startsWith('SCHEDULE_SVC_DOWNTIME')),
    ).toBe(false);

    await op.press('y');
    await op.until(
      (s) => s.includes('✓ jdoe scheduled a 2h downtime on 3 slaves — 3 confirmed'),
      'the downtime confirmed by Nagios',
      60_000,
    );
    const status = await nagios.status();
    const mine = status.downtimes.filter((d) => d.author === 'jdoe' && d.comment === COMMENT);
    expect(mine.map((d) => d.host).sort()).toEqual([...marked].sort());

    // All rows again: the three are muted (the MUTED column), the others not.
    await op.press('Escape');
    const table = await op.until(
      (s) => rowsOf(s).filter((r) => r.includes('DT→')).length === 3,
      'three muted rows',
      30_000,
    );
    const muted = rowsOf(table)
      .filter((r) => r.includes('DT→'))
      .map(nameOf)
      .sort();
    expect(muted).toEqual([...marked].sort());

    // Every console sees it in the action log, the viewer's too.
    await viewer.press('L');
    await viewer.until(
      (s) => /\d\d:\d\d \S+ ✓ jdoe scheduled a 2h downtime on 3 slaves — 3 confirmed/.test(s),
      'the action in the viewer log',
    );
    await viewer.until((s) => s.includes('all 3 confirmed by Nagios'), 'the selected action');
  }, 180_000);

  it('says why a target failed, in the status line', async () => {
    const op = consoleAs(OPERATOR);
    // Connected and the snapshot shown: a key pressed before the rows arrive has no slave to act on.
    await op.until(
      (s) => s.includes('● connected as jdoe (operator)') && s.includes('showing 12 of 12'),
      'the operator console',
    );
    // An acknowledgement on an OK slave fails for that slave, saying why.
    await op.press('A');
    await op.until((s) => s.includes('Acknowledge the problem on 1 slave'), 'the ack form');
    await op.type('looking at it');
    await op.press('Enter');
    await op.until((s) => s.includes('Acknowledge the problem (sticky'), 'the ack confirmation');
    await op.press('Enter');
    await op.until(
      (s) => /✖ jdoe acknowledged 1 slave — 1 failed · act-slave-\d\d: /.test(s),
      'the failed ack',
    );
  }, 120_000);

  it('the collector logged no errors', () => {
    expect(collector.logs.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});
