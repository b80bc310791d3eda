// PostgreSQL stopped for 30 s under load, under a real collector (a private cluster): no 202
// without a commit, consoles told (a `database` message: unavailable, since when), actions refused
// with one line, and everything back without a restart: writes, the console's status, ownership.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DatabaseStatus } from '../../../src/domain/protocol.js';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { postgresInstalled, startPostgres, type PostgresCluster } from '../../support/postgres.js';
import { available } from '../../support/requires.js';
import { StreamClient } from '../../support/stream-client.js';

const hasPostgres = available('PostgreSQL 15', postgresInstalled(), 'apt-get install postgresql');
const DOWN_MS = 30_000;

let cluster: PostgresCluster;
let collector: RunningCollector;
let url: string;

beforeAll(async () => {
  if (!hasPostgres) return;
  cluster = await startPostgres();
  url = await cluster.createDatabase();
  collector = await startCollector({
    args: ['--db', url],
    config: [
      'reboot:',
      '  methods:',
      `    - {name: noop, argv: ${JSON.stringify([process.execPath, '-e', ''])}, timeout: 5s, wait: 1s}`,
    ].join('\n'),
  });
}, 60_000);

afterAll(async () => {
  await collector?.kill();
  collector?.cleanup();
  cluster?.destroy();
});

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${collector.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1]);
}

describe.skipIf(!hasPostgres)('PostgreSQL stopped for 30 s under load', () => {
  test('no 202 without a commit, a banner and refused actions, then all back without a restart', async () => {
    const console = new StreamClient(collector.wsUrl);
    const hello = await console.next('hello');
    expect(hello.database).toEqual({ problem: null, since: null });
    await waitFor(async () => (await metric('corral_owner')) === 1, 10_000, 'ownership');

    // Heartbeats as fast as one client sends them, the whole time.
    const accepted: number[] = [];
    const answered = new Map<number, number>();
    let stop = false;
    let n = 0;
    const since = Date.now() - 120_000;
    const load = (async () => {
      while (!stop) {
        const at = since + n++;
        const res = await postJson(`${collector.url}/api/v1/heartbeats`, {
          slave: `load-${at % 20}`,
          at: new Date(at).toISOString(),
        }).catch(() => null);
        if (res) answered.set(res.status, (answered.get(res.status) ?? 0) + 1);
        if (res?.status === 202) accepted.push(at);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await waitFor(() => accepted.length > 50, 10_000, 'heartbeats accepted');

    const stoppedAt = Date.now();
    await cluster.stop('fast');
    let down: DatabaseStatus;
    try {
      const told = await console.next('database', 1, 15_000);
      down = told.database;
      expect(down.problem).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+/);
      expect(Date.parse(down.since!)).toBeGreaterThanOrEqual(stoppedAt - 1000);
      // An action is refused with one line naming the database; nothing recorded, nothing run.
      const refused = await postJson(`${collector.url}/api/v1/actions`, {
        kind: 'reboot',
        targets: ['load-1'],
        params: { comment: 'during the outage' },
      });
      expect(refused.status).toBe(503);
      expect(String(refused.body.error)).toMatch(
        /^actions are refused while the database is unavailable since \S+: .*PostgreSQL at 127\.0\.0\.1:\d+.*; nothing was done, retry once it is back$/,
      );
      // Ownership went with the connection.
      expect(await metric('corral_owner')).toBe(0);
      await new Promise((r) => setTimeout(r, DOWN_MS - (Date.now() - stoppedAt)));
      expect(answered.get(503) ?? 0).toBeGreaterThan(0);
    } finally {
      await cluster.start();
    }
    const back = await waitFor(
      () => console.of('database').find((m) => m.database.problem === null),
      20_000,
      'the database back',
    );
    expect(back.database.since).toBeNull();
    const resumed = accepted.length;
    await waitFor(() => accepted.length > resumed + 50, 15_000, 'heartbeats accepted again');
    await waitFor(async () => (await metric('corral_owner')) === 1, 15_000, 'ownership again');
    stop = true;
    await load;
    console.close();

    // Still the same process; every 202 is in the database.
    expect(collector.process.exitCode).toBeNull();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ at: string }>('SELECT at FROM heartbeats');
    await client.end();
    const stored = new Set(rows.map((r) => Number(r.at)));
    expect(accepted.filter((at) => !stored.has(at))).toEqual([]);
    // And an action goes through again.
    const { status } = await getJson(`${collector.url}/api/v1/actions`);
    expect(status).toBe(200);
  }, 120_000);
});
