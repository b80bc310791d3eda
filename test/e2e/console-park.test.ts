// End to end: an operator parks three marked slaves from the real `corral console` in tmux (the
// form, the confirmation), on a real collector wired to a real Nagios Core 4: the downtimes land in
// status.dat, the rows say why they are parked, `4` shows them; then undoes it from the action log
// (`L`, `u`): the downtimes are gone, the log says who undid it, and nothing is parked any more.
// And the undo of a downtime on five slaves, one of which also carries an operator's own downtime
// scheduled in Nagios: only corral's five go.
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
  console.warn('\n!!! SKIPPING console park tests: tmux is missing (apt-get install tmux) !!!\n');

const SLAVES = Array.from({ length: 6 }, (_, i) => `park-slave-${String(i).padStart(2, '0')}`);
const OPERATOR = 'operator-token-e2e-park-01234567';
const CHECKER = 'checker-token-e2e-park-01234567';
const REASON = 'old 0.7 master';
const COMMENT = 'rack 9 power';
const node = process.execPath;
const rowsOf = (screen: string) => screen.split('\n').filter((l) => /^[◆ ] +[?✖▲!↻✓] /.test(l));
const nameOf = (row: string) => row.split(/ +/)[3]!;

describe.skipIf(!tmux || !hasNagios)(
  'parking and undoing from corral console on a real Nagios',
  () => {
    let dir: string;
    let nagios: NagiosInstance;
    let collector: RunningCollector;
    const terms: Terminal[] = [];
    const consoleAs = () => {
      const t = openTerminal([node, CORRAL_BIN, 'console', collector.url, '--token', OPERATOR], {
        columns: 150,
        rows: 40,
      });
      terms.push(t);
      return t;
    };

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'corral-console-park-'));
      ({ nagios, collector } = await startWiredNagios({
        dir,
        slaves: SLAVES.map((s) => `{name: ${s}, pool: old07}`),
        checker: CHECKER,
        tokens: [`  - {name: jdoe, role: operator, token: ${OPERATOR}}`],
      }));
      // Every slave started a while ago, a minute apart, so the order on screen is known.
      const now = Date.now();
      const beats = SLAVES.map((slave, i) => ({
        slave,
        kind: 'start',
        master: 'bm-old07',
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

    it('parks 3 marked slaves (downtimes in status.dat, the reason in the rows) and undoes it from the log', async () => {
      const t = consoleAs();
      await t.until(
        (s) => s.includes('● connected as jdoe (operator)') && s.includes('showing 6 of 6'),
        'the operator console',
      );

      await t.press('Space', 'Space', 'Space');
      await t.until((s) => s.includes('3 marked'), 'three marks');
      const inOrder = rowsOf(t.capture()).slice(0, 3).map(nameOf);
      const marked = [...inOrder].sort();
      expect(marked).toHaveLength(3);

      // The form: the reason is required; the owner after Tab; the review 30d by default.
      await t.press('p');
      await t.until((s) => s.includes('Park 3 slaves'), 'the park form');
      expect(t.capture()).toMatch(/review +30d +review due/);
      await t.press('Enter');
      await t.until((s) => /▸ reason .*a reason is required/.test(s), 'the missing reason');
      await t.type(REASON);
      await t.press('Tab');
      await t.type('releng');
      await t.press('Enter');

      // The confirmation says what parking does, why, for whom and when it is reviewed.
      const confirm = await t.until((s) => s.includes('Park 3 slaves?'), 'the confirmation');
      expect(confirm).toContain(`slaves: ${inOrder.join(', ')}`);
      expect(confirm).toContain(
        'corral keeps them muted (it renews their downtime) until they are unparked',
      );
      expect(confirm).toContain(`reason: ${REASON}`);
      expect(confirm).toContain('owner: releng');
      expect(confirm).toMatch(/review due \d\d-\d\d \d\d:\d\d \S+/);
      await t.press('Enter');
      await t.until(
        (s) => s.includes('✓ jdoe parked 3 slaves — 3 confirmed'),
        'the park confirmed by Nagios',
        60_000,
      );

      // Nagios: one downtime each, by jdoe, saying why.
      const parkedStatus = await nagios.waitForStatus(
        (st) => st.downtimes.filter((d) => d.author === 'jdoe').length === 3,
        20_000,
        'three park downtimes',
      );
      const downtimes = parkedStatus.downtimes.filter((d) => d.author === 'jdoe');
      expect(downtimes.map((d) => d.host).sort()).toEqual(marked);
      for (const d of downtimes) expect(d.comment).toContain(REASON);

      // The parked filter: exactly them, each row saying why and for whom; the header counts them.
      await t.press('u', '4');
      const parked = await t.until(
        (s) => s.includes('[parked]  showing 3 of 6') && rowsOf(s).length === 3,
        'the parked filter',
        30_000,
      );
      expect(rowsOf(parked).map(nameOf).sort()).toEqual(marked);
      // MUTED says parked and for whom, MESSAGE why.
      for (const row of rowsOf(parked)) {
        expect(row).toContain(`PARKED releng parked (releng): ${REASON}`);
      }
      expect(parked).toContain('· parked 3 (4)  of 6');

      // Undo from the log: the newest action is the park.
      await t.press('L');
      await t.until((s) => /\d\d:\d\d \S+ ✓ jdoe parked 3 slaves/.test(s), 'the park in the log');
      await t.press('u');
      const undo = await t.until(
        (s) => /Undo action #\d+ on 3 slaves\?/.test(s),
        'the undo confirmation',
      );
      expect(undo).toMatch(/#\d+: \d\d:\d\d \S+ ✓ jdoe parked 3 slaves/);
      await t.press('Enter');
      await nagios.waitForStatus(
        (st) => !st.downtimes.some((d) => d.author === 'jdoe'),
        60_000,
        'the park downtimes gone',
      );
      await t.press('L');
      await t.until(
        (s) => /jdoe parked 3 slaves — 3 confirmed · undone by jdoe \(#\d+\)/.test(s),
        'the park undone in the log',
        30_000,
      );
      await t.press('Escape');
      await t.until(
        (s) => s.includes('[parked]  showing 0 of 6') && !s.includes('· parked 3'),
        'nothing parked any more',
        30_000,
      );
    }, 240_000);

    it("undoes a downtime on 5 slaves from the log: corral's five go, an operator's own stays", async () => {
      const t = consoleAs();
      await t.until(
        (s) => s.includes('● connected as jdoe (operator)') && s.includes('showing 6 of 6'),
        'the operator console',
      );
      await t.press('Space', 'Space', 'Space', 'Space', 'Space');
      await t.until((s) => s.includes('5 marked'), 'five marks');
      const marked = rowsOf(t.capture()).slice(0, 5).map(nameOf).sort();
      await t.press('d', 'Tab');
      await t.type(COMMENT);
      await t.press('Enter');
      await t.until((s) => s.includes('on 5 slaves?'), 'the downtime confirmation');
      await t.press('Enter');
      await t.until(
        (s) => s.includes('✓ jdoe scheduled a 2h downtime on 5 slaves — 5 confirmed'),
        'the downtime confirmed by Nagios',
        60_000,
      );
      // An operator's own downtime on one of them, scheduled in Nagios behind corral's back.
      const now = Math.floor(Date.now() / 1000);
      await nagios.writer.write([
        `[${now}] SCHEDULE_SVC_DOWNTIME;${marked[0]};buildbot-start;${now};${now + 86400};1;0;0;nagiosadmin;cabling booked`,
      ]);
      await nagios.waitForStatus(
        (st) => st.downtimes.some((d) => d.author === 'nagiosadmin'),
        20_000,
        "the operator's own downtime",
      );

      await t.press('Escape', 'L');
      await t.until((s) => /✓ jdoe scheduled a 2h downtime on 5 slaves/.test(s), 'the log');
      await t.press('u');
      await t.until((s) => /Undo action #\d+ on 5 slaves\?/.test(s), 'the undo confirmation');
      await t.press('Enter');
      const after = await nagios.waitForStatus(
        (st) => !st.downtimes.some((d) => d.comment.includes(COMMENT)),
        60_000,
        "corral's five downtimes gone",
      );
      // The operator's own downtime stays (and whatever else was there before).
      expect(after.downtimes.filter((d) => d.author === 'nagiosadmin').map((d) => d.host)).toEqual([
        marked[0],
      ]);
      await t.press('L');
      await t.until(
        (s) =>
          /jdoe scheduled a 2h downtime on 5 slaves — 5 confirmed · undone by jdoe \(#\d+\)/.test(
            s,
          ),
        'the downtime undone in the log',
        30_000,
      );
    }, 240_000);
  },
);
