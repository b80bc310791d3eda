// Parking against a real Nagios Core 4: three slaves parked with a review date get a downtime in
// status.dat, renewed before it ends (short test durations), kept across a collector restart, and
// gone on unpark; bad input (a review in the past, an empty reason, a slave not in the inventory)
// is one line each and changes nothing, in the database or in status.dat.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionView } from '../../../src/domain/protocol.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import { downtimesOf, type NagiosStatus } from '../../../src/nagios/status-file.js';
import { runCorral } from '../agent/run-cli.js';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { hasNagios, type NagiosInstance } from '../../support/nagios.js';
import { startWiredNagios } from '../../support/wired-nagios.js';

const SERVICE = 'buildbot-start';
const OPERATOR = 'operator-token-0123456789';
const CHECKER = 'checker-token-0123456789a';
const PARKED = ['old-1', 'old-2', 'old-3'];
/** A park downtime lasts 16 s and is renewed when 8 s are left. */
const PARKING = ['parking: {downtime: 16s, renew_before: 8s}'];

const parkDowntimes = (s: NagiosStatus, slave: string) =>
  downtimesOf(s, slave, SERVICE).filter((d) => d.comment === 'parked: old 0.7 master');

/** The same collector again: its directory, database, config and port (Nagios's checks call it). */
function restart(stopped: RunningCollector): Promise<RunningCollector> {
  return startCollector({
    dir: stopped.dir,
    args: [
      '--config',
      path.join(stopped.dir, 'corral.yaml'),
      '--listen',
      new URL(stopped.url).host,
    ],
  });
}

describe.skipIf(!hasNagios)('parking with a real Nagios', () => {
  let dir: string;
  let nagios: NagiosInstance;
  let collector: RunningCollector;
  const op = { authorization: `Bearer ${OPERATOR}` };
  const corral = (args: string[]) =>
    runCorral(args, { CORRAL_URL: collector.url, CORRAL_TOKEN: OPERATOR });
  const slaves = async () =>
    (await getJson<{ slaves: SlaveView[] }>(`${collector.url}/api/v1/slaves`, op)).body.slaves;
  const actions = async () =>
    (await getJson<{ actions: ActionView[] }>(`${collector.url}/api/v1/actions`, op)).body.actions;
  const parkRows = () => {
    const db = new Database(collector.dbPath, { readonly: true });
    try {
      return db.prepare('SELECT * FROM parks ORDER BY slave').all() as Array<
        Record<string, unknown>
      >;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corral-parking-it-'));
    ({ nagios, collector } = await startWiredNagios({
      dir,
      slaves: [...PARKED, 'busy-1'],
      checker: CHECKER,
      tokens: [`  - {name: jdoe, role: operator, token: ${OPERATOR}}`],
      extra: PARKING,
    }));
    // A slave heard from but not in the inventory.
    await postJson(`${collector.url}/api/v1/heartbeats`, { slave: 'stray-1' }, op);
    await nagios.waitForStatus((s) => s.services.size >= 4, 20_000, 'the services');
  }, 120_000);

  afterAll(async () => {
    await collector?.stop();
    collector?.cleanup();
    await nagios?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('bad input is one line each, and nothing changes', async () => {
    const before = await nagios.status();
    const actionsBefore = await actions();
    const cases: Array<[string[], RegExp]> = [
      [
        ['park', 'old-1', '--reason', 'old 0.7 master', '--review', '2020-01-01', '--yes'],
        /^corral: .*review date 2020-01-01 is in the past: give a later date, or a duration from now such as 30d\n$/,
      ],
      [['park', 'old-1', '--reason', '   ', '--yes'], /^corral: .*a reason is required: say why/],
      [
        ['park', 'stray-1', '--reason', 'old 0.7 master', '--yes'],
        /^corral: .*"stray-1" is not in the inventory: only slaves the inventory lists can be parked; nothing was done\n$/,
      ],
      [
        ['park', 'nobody-9', '--reason', 'old 0.7 master', '--yes'],
        /^corral: the collector knows no slave named nobody-9: .*nothing was done\n$/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await corral(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(parkRows()).toEqual([]);
    expect((await slaves()).filter((s) => s.parked)).toEqual([]);
    const after = await nagios.status();
    expect(after.downtimes).toEqual(before.downtimes);
    expect(await actions()).toEqual(actionsBefore);
  }, 60_000);

  test('a slave whose downtime fails is not parked, and says why', async () => {
    // In the collector's inventory, but Nagios has no service for it.
    await writeFile(
      path.join(dir, 'inventory.yaml'),
      ['slaves:', ...[...PARKED, 'busy-1', 'new-1'].map((s) => `  - ${s}`), ''].join('\n'),
    );
    await waitFor(
      async () => (await slaves()).find((s) => s.name === 'new-1' && s.inInventory),
      10_000,
      'new-1 in the inventory',
    );
    const r = await corral(['park', 'new-1', '--reason', 'old 0.7 master', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /new-1: not parked: its downtime failed \(Nagios has no service "buildbot-start" on host "new-1": define it/,
    );
    expect(parkRows()).toEqual([]);
    expect((await slaves()).find((s) => s.name === 'new-1')?.parked).toBeNull();
  }, 60_000);

  test('a park recorded by a collector stopped before its downtime was scheduled is muted at the next start', async () => {
    await collector.stop();
    const db = new Database(collector.dbPath);
    db.prepare(
      `INSERT INTO parks (slave, action_id, by, owner, reason, ticket, since, review, comment,
         downtime_end) VALUES ('busy-1', 1, 'jdoe', 'jdoe', 'crash test', NULL, ?, NULL,
         'parked: crash test', NULL)`,
    ).run(Date.now());
    db.close();
    collector = await restart(collector);
    await nagios.waitForStatus(
      (s) =>
        downtimesOf(s, 'busy-1', SERVICE).some(
          (d) => d.comment === 'parked: crash test' && d.author === 'jdoe',
        ),
      20_000,
      'the park downtime scheduled after the restart',
    );
    await waitFor(
      () => parkRows().find((r) => r.slave === 'busy-1' && r.downtime_end !== null),
      10_000,
      'the downtime end recorded',
    );
    expect((await corral(['unpark', 'busy-1', '--yes', '--wait'])).code).toBe(0);
    await nagios.waitForStatus(
      (s) => downtimesOf(s, 'busy-1', SERVICE).length === 0,
      20_000,
      'no downtime left on busy-1',
    );
    expect(parkRows()).toEqual([]);
  }, 90_000);

  test('three slaves parked: a downtime renewed before it ends, kept across a restart, gone on unpark', async () => {
    const review = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
    const parked = await corral([
      'park',
      ...PARKED,
      '--reason',
      'old 0.7 master',
      '--owner',
      'releng',
      '--review',
      review,
      '--ticket',
      'https://bugs.example.org/42',
      '--yes',
      '--wait',
    ]);
    expect(parked.stderr).toContain('park 3 slave(s)');
    expect(parked.code).toBe(0);
    const first = await nagios.waitForStatus(
      (s) => PARKED.every((p) => parkDowntimes(s, p).length === 1),
      20_000,
      'a park downtime on each',
    );
    const firstEnd = parkDowntimes(first, 'old-1')[0]!.end;
    for (const p of PARKED) expect(parkDowntimes(first, p)[0]!.author).toBe('jdoe');
    const views = (await slaves()).filter((s) => s.parked);
    expect(views.map((s) => s.name).sort()).toEqual(PARKED);
    expect(views[0]!.parked).toMatchObject({
      by: 'jdoe',
      owner: 'releng',
      reason: 'old 0.7 master',
      ticket: 'https://bugs.example.org/42',
      review: `${review}T00:00:00.000Z`,
      reviewDue: false,
    });
    expect(parkRows().map((r) => r.slave)).toEqual(PARKED);

    // Renewed while the first downtime still runs: never a moment without one.
    const renewed = await nagios.waitForStatus(
      (s) => PARKED.every((p) => parkDowntimes(s, p).some((d) => d.end > firstEnd)),
      20_000,
      'a renewed park downtime on each',
    );
    expect(Date.now()).toBeLessThan(firstEnd);
    // Audited as corral's, on the park (not an action of its own).
    await waitFor(
      () =>
        collector.logs.find(
          (l) => l.audit === 'park-renewal' && l.author === 'corral' && l.count === 3,
        ),
      10_000,
      'the renewal audit line',
    );
    const secondEnd = Math.max(...parkDowntimes(renewed, 'old-1').map((d) => d.end));

    // A restart forgets nothing: the parks are shown again, and renewed again after it.
    await collector.stop();
    collector = await startCollector({
      dir: collector.dir,
      args: [
        '--config',
        path.join(collector.dir, 'corral.yaml'),
        '--listen',
        new URL(collector.url).host,
      ],
    });
    const again = (await slaves()).filter((s) => s.parked);
    expect(again.map((s) => s.name).sort()).toEqual(PARKED);
    await nagios.waitForStatus(
      (s) => PARKED.every((p) => parkDowntimes(s, p).some((d) => d.end > secondEnd)),
      25_000,
      'a park downtime renewed after the restart',
    );

    const unparked = await corral(['unpark', ...PARKED, '--yes', '--wait']);
    expect(unparked.code).toBe(0);
    // The confirmation names exactly the park's downtimes it removes (first and renewals).
    expect(unparked.stderr).toMatch(
      /^\d removes jdoe's downtime until .* \(parked: old 0\.7 master\): old-1, /m,
    );
    expect(unparked.stderr).not.toMatch(/already/);
    expect(unparked.stdout).toMatch(
      /^jdoe unparked 3 slaves \(action \d+\): 3 confirmed by Nagios\n$/,
    );
    await nagios.waitForStatus(
      (s) => PARKED.every((p) => parkDowntimes(s, p).length === 0),
      20_000,
      'no park downtime left',
    );
    expect(parkRows()).toEqual([]);
    expect((await slaves()).filter((s) => s.parked)).toEqual([]);
    const kinds = (await actions()).map((a) => `${a.kind}:${a.outcome}`);
    expect(kinds.slice(0, 2)).toEqual(['unpark:done', 'park:done']);
  }, 120_000);
});
