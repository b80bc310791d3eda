// Crossings made while the collector was down reach a real Nagios Core 4 when it starts again:
// a slave that went late or dead during the outage gets its WARNING or CRITICAL at once, not at
// its next change (which for a dead slave may never come).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { serviceKey } from '../../../src/nagios/status-file.js';
import {
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import {
  hasNagios,
  passiveObjects,
  startNagios,
  type NagiosInstance,
} from '../../support/nagios.js';
import { onPostgres } from '../../support/postgres.js';

const SERVICE = 'buildbot-start';
const SLAVES = ['late-1', 'dead-1', 'fresh-1', 'later-1'];

describe.skipIf(!hasNagios)('a collector restarted after an outage, with a real Nagios', () => {
  let dir: string;
  let nagios: NagiosInstance;
  const collectors: RunningCollector[] = [];
  let firstConfig: string;
  let secondConfig: string;
  const HOUR = '{warning: 1h, critical: 2h}';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corral-restart-it-'));
    // Nagios's own freshness backstop is hours away: whatever it logs below came from the collector.
    nagios = await startNagios({
      objects: passiveObjects(SLAVES),
    });
    // The first collector's pools wait an hour, the second's seconds: the second finds late-1 and
    // dead-1 past its thresholds though Nagios was only ever told OK, however long the first took
    // to stop. That is what a crossing made while no collector ran looks like to the next one.
    const config = (late: string, dead: string, later: string) =>
      [
        'thresholds: {warning: 6h, critical: 7h}',
        'pools:',
        `  late-pool: ${late}`,
        `  dead-pool: ${dead}`,
        `  later-pool: ${later}`,
        'nagios:',
        `  command_file: ${nagios.commandFile}`,
        `  status_file: ${nagios.statusFile}`,
        '',
      ].join('\n');
    firstConfig = config(HOUR, HOUR, HOUR);
    secondConfig = config(
      '{warning: 4s, critical: 1h}',
      '{warning: 3s, critical: 5s}',
      '{warning: 10s, critical: 1h}',
    );
  }, 120_000);

  afterAll(async () => {
    for (const c of collectors) await c.stop();
    await nagios?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const resultsFor = async (slave: string) =>
    (await nagios.externalCommands()).filter((c) =>
      c.startsWith(`PROCESS_SERVICE_CHECK_RESULT;${slave};${SERVICE};`),
    );

  test('slaves that went late or dead while it was down are WARNING and CRITICAL once it is back', async () => {
    const first = await startCollector({ dir, config: firstConfig });
    collectors.push(first);
    const secondsAgo = (n: number) => new Date(Date.now() - n * 1000).toISOString();
    for (const [slave, pool, ago] of [
      ['late-1', 'late-pool', 10],
      ['dead-1', 'dead-pool', 10],
      ['fresh-1', null, 0],
    ] as const) {
      const r = await postJson(`${first.url}/api/v1/heartbeats`, {
        slave,
        master: 'bm01',
        at: secondsAgo(ago),
        ...(pool === null ? {} : { pool }),
      });
      expect(r.status).toBe(202);
    }
    // Stopping drains what the collector had for Nagios: the three OKs, all it ever sends here.
    expect(await first.stop()).toBe(0);
    await waitFor(
      async () => {
        const all = await Promise.all(SLAVES.slice(0, 3).map(resultsFor));
        return all.every((r) => r.length === 1);
      },
      20_000,
      'the three OK results in the Nagios log',
    );
    for (const slave of SLAVES.slice(0, 3)) {
      expect(await resultsFor(slave)).toEqual([
        `PROCESS_SERVICE_CHECK_RESULT;${slave};${SERVICE};0;buildbot started on bm01`,
      ]);
    }

    const second = await startCollector({ dir, config: secondConfig });
    collectors.push(second);
    const late = await waitFor(
      async () => (await resultsFor('late-1')).find((c) => /;1;/.test(c)),
      20_000,
      'the WARNING for late-1 in the Nagios log',
    );
    expect(late).toMatch(
      new RegExp(
        `^PROCESS_SERVICE_CHECK_RESULT;late-1;${SERVICE};1;no buildbot start for \\d+s\\|age=\\d+s;4;3600$`,
      ),
    );
    const dead = await waitFor(
      async () => (await resultsFor('dead-1')).find((c) => /;2;/.test(c)),
      20_000,
      'the CRITICAL for dead-1 in the Nagios log',
    );
    expect(dead).toMatch(
      new RegExp(
        `^PROCESS_SERVICE_CHECK_RESULT;dead-1;${SERVICE};2;no buildbot start for \\d+s\\|age=\\d+s;3;5$`,
      ),
    );
    const s = await nagios.waitForStatus(
      (st) =>
        st.services.get(serviceKey('late-1', SERVICE))?.state === 1 &&
        st.services.get(serviceKey('dead-1', SERVICE))?.state === 2,
      20_000,
      'late-1 WARNING and dead-1 CRITICAL',
    );
    expect(s.services.get(serviceKey('fresh-1', SERVICE))?.state).toBe(0);
    const log = await nagios.logText();
    expect(log).toMatch(
      /SERVICE ALERT: late-1;buildbot-start;WARNING;HARD;1;no buildbot start for \d+s/,
    );
    expect(log).toMatch(
      /SERVICE ALERT: dead-1;buildbot-start;CRITICAL;HARD;1;no buildbot start for \d+s/,
    );

    // A slave that turns late a few ticks from now: once its WARNING is in the log, those ticks
    // have run, and any result they sent before it too (Nagios reads the FIFO in order).
    const r = await postJson(`${second.url}/api/v1/heartbeats`, {
      slave: 'later-1',
      pool: 'later-pool',
      master: 'bm01',
      at: secondsAgo(7.5),
    });
    expect(r.status).toBe(202);
    await waitFor(
      async () => (await resultsFor('later-1')).some((c) => /;1;/.test(c)),
      20_000,
      'the WARNING for later-1 in the Nagios log',
    );
    // A late or dead slave's problem is sent once, not again at every tick; a fresh one never.
    const problems = async (slave: string) =>
      (await resultsFor(slave)).filter((c) => !/;buildbot-start;0;/.test(c));
    expect(await problems('fresh-1')).toEqual([]);
    expect(await problems('late-1')).toHaveLength(1);
    expect(await problems('dead-1')).toHaveLength(1);
    // On SQLite nothing else is sent again. On PostgreSQL a collector taking the work over owes
    // every slave's current state (OK ones too) and re-reads its newest heartbeats (docs/ha.md).
    if (!onPostgres) {
      expect(await resultsFor('fresh-1')).toHaveLength(1);
      expect(await resultsFor('late-1')).toHaveLength(2);
      expect(await resultsFor('dead-1')).toHaveLength(2);
    }
  }, 90_000);
});
