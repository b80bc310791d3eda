// Two real collectors on one private PostgreSQL: what either takes reaches the other's consoles and
// API (heartbeats, a burst to both, a collector started later, ids that commit out of order, an
// action made on one).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ActionMessage, ActionView, AnyServerMessage } from '../../../src/domain/protocol.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import {
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { freshDatabaseUrl, postgresInstalled, testPostgres } from '../../support/postgres.js';
import { available } from '../../support/requires.js';
import { StreamClient } from '../../support/stream-client.js';

const hasPostgres = available(
  'PostgreSQL 15',
  postgresInstalled(),
  'apt-get install -y --no-install-recommends postgresql',
);

async function slaves(c: RunningCollector): Promise<Map<string, string | null>> {
  const { body } = await getJson<{ slaves: SlaveView[] }>(`${c.url}/api/v1/slaves`);
  return new Map(body.slaves.map((s) => [s.name, s.lastStart]));
}

async function has(c: RunningCollector, name: string): Promise<boolean> {
  return (await getJson(`${c.url}/api/v1/slaves/${name}`)).status === 200;
}

/** The action messages a console was sent (the stream client types only the others). */
function actionMessages(client: StreamClient): ActionMessage[] {
  return (client.messages as AnyServerMessage[]).filter(
    (m): m is ActionMessage => m.type === 'action',
  );
}

/** Resolves once the client's deltas (after message `after`) carry `name`. */
function deltaWith(client: StreamClient, name: string, after: number, timeoutMs = 5000) {
  return waitFor(
    () =>
      client.messages
        .slice(after)
        .some((m) => m.type === 'delta' && m.changed.some((s) => s.name === name)),
    timeoutMs,
    `a delta naming ${name}`,
  );
}

describe.runIf(hasPostgres)('two collectors on one PostgreSQL', () => {
  let db: string;
  let a: RunningCollector;
  let b: RunningCollector;
  let sql: pg.Client;
  let markers: string;
  const late: RunningCollector[] = [];

  beforeAll(async () => {
    await testPostgres();
    db = await freshDatabaseUrl();
    markers = mkdtempSync(path.join(tmpdir(), 'corral-peer-'));
    // A has a reboot method (it writes a marker file: the command ran); B has none.
    const method = JSON.stringify([
      process.execPath,
      '-e',
      'require("fs").writeFileSync(process.argv[1], "")',
      path.join(markers, '{slave}'),
    ]);
    a = await startCollector({
      db,
      config: [
        'reboot:',
        '  methods:',
        `    - {name: mark, argv: ${method}, timeout: 20s, wait: 60s}`,
      ].join('\n'),
    });
    b = await startCollector({ db });
    sql = new pg.Client({ connectionString: db });
    await sql.connect();
  }, 90_000);

  afterAll(async () => {
    await sql?.end();
    for (const c of [a, b, ...late]) {
      await c?.stop();
      c?.cleanup();
    }
    rmSync(markers, { recursive: true, force: true });
  });

  test('a heartbeat posted to A shows on a console of B', async () => {
    const console = new StreamClient(b.wsUrl);
    try {
      await console.next('snapshot');
      const after = console.messages.length;
      expect((await postJson(`${a.url}/api/v1/heartbeats`, { slave: 'cross-1' })).status).toBe(202);
      await deltaWith(console, 'cross-1', after);
      const { body } = await getJson<{ slave: SlaveView }>(`${b.url}/api/v1/slaves/cross-1`);
      expect(body.slave).toMatchObject({ name: 'cross-1', state: 'ok' });
    } finally {
      console.close();
    }
  });

  test('after a burst to both, both fleets equal the database', async () => {
    const posts = Array.from({ length: 40 }, (_, i) =>
      postJson(
        `${(i % 2 ? a : b).url}/api/v1/heartbeats`,
        Array.from({ length: 25 }, (_, j) => ({
          slave: `burst-${(i * 7 + j) % 60}`,
          at: new Date(Date.now() - (40 - i) * 1000 - j).toISOString(),
        })),
      ),
    );
    for (const res of await Promise.all(posts)) expect(res.status).toBe(202);
    const { rows } = await sql.query<{ slave: string; at: string }>(
      `SELECT slave, max(at) AS at FROM heartbeats WHERE slave LIKE 'burst-%' GROUP BY slave`,
    );
    const stored = new Map(rows.map((r) => [r.slave, new Date(Number(r.at)).toISOString()]));
    expect(stored.size).toBe(60);
    const burstOf = (m: Map<string, string | null>) =>
      new Map([...m].filter(([name]) => name.startsWith('burst-')));
    for (const c of [a, b]) {
      await waitFor(
        async () =>
          JSON.stringify([...burstOf(await slaves(c))].sort()) ===
          JSON.stringify([...stored].sort()),
        5000,
        `the burst on ${c.url} as stored`,
      );
    }
  });

  test('a collector started later has what was taken before and follows after', async () => {
    expect((await postJson(`${a.url}/api/v1/heartbeats`, { slave: 'before-c' })).status).toBe(202);
    const c = await startCollector({ db });
    late.push(c);
    expect(await has(c, 'before-c')).toBe(true);
    const console = new StreamClient(c.wsUrl);
    try {
      await console.next('snapshot');
      const after = console.messages.length;
      expect((await postJson(`${b.url}/api/v1/heartbeats`, { slave: 'after-c' })).status).toBe(202);
      await deltaWith(console, 'after-c', after);
    } finally {
      console.close();
    }
  });

  test('an id that commits after a later one is still folded in', async () => {
    // Two transactions, as two collectors' commits: the first takes the lower id, the second
    // commits first. B reads the second; the first must still reach it when it commits.
    const first = new pg.Client({ connectionString: db });
    const second = new pg.Client({ connectionString: db });
    await Promise.all([first.connect(), second.connect()]);
    try {
      const insert = (client: pg.Client, slave: string) =>
        client.query<{ id: string }>(
          `INSERT INTO heartbeats (slave, kind, at, received_at) VALUES ($1, 'start', $2, $2) RETURNING id`,
          [slave, Date.now()],
        );
      await first.query('BEGIN');
      const low = await insert(first, 'overtaken');
      await second.query('BEGIN');
      const high = await insert(second, 'overtaking');
      expect(Number(high.rows[0]!.id)).toBeGreaterThan(Number(low.rows[0]!.id));
      await second.query('COMMIT');
      await second.query(`SELECT pg_notify('corral_heartbeats', '')`);
      await waitFor(() => has(b, 'overtaking'), 5000, 'the later id on B');
      await first.query('COMMIT');
      await first.query(`SELECT pg_notify('corral_heartbeats', '')`);
      await waitFor(() => has(b, 'overtaken'), 5000, 'the earlier id, committed last, on B');
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });

  test('a heartbeat committed while the sync connections are down reaches B once they are back', async () => {
    // Every collector's sync connection cut: the NOTIFY after this commit reaches nobody.
    const cut = await sql.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'corral sync'`,
    );
    expect(cut.rowCount).toBeGreaterThanOrEqual(2); // A and B (and one started later)
    expect((await postJson(`${a.url}/api/v1/heartbeats`, { slave: 'unheard' })).status).toBe(202);
    await waitFor(() => has(b, 'unheard'), 10_000, 'the heartbeat on B after reconnecting');
    expect(b.logs.some((l) => l.msg === "reading other collectors' changes again")).toBe(true);
  });

  test("an action made on A reaches B's consoles and B's audit log, and finishes on a start B took", async () => {
    expect((await postJson(`${b.url}/api/v1/heartbeats`, { slave: 'reboot-me' })).status).toBe(202);
    await waitFor(() => has(a, 'reboot-me'), 5000, 'the slave on A');
    const console = new StreamClient(b.wsUrl);
    try {
      await console.next('snapshot');
      const res = await postJson(`${a.url}/api/v1/actions`, {
        kind: 'reboot',
        targets: ['reboot-me'],
      });
      expect(res.status).toBe(202);
      const id = (res.body.action as ActionView).id;
      const started = await waitFor(() => actionMessages(console)[0], 5000, 'an action on B');
      expect(started).toMatchObject({ event: 'started', action: { id, kind: 'reboot' } });
      await waitFor(() => existsSync(path.join(markers, 'reboot-me')), 10_000, 'the command');
      // The reboot runs on A; B shows the slave rebooting, by whom and with which method.
      const rebooting = await waitFor(
        async () => {
          const { body } = await getJson<{ slave: SlaveView }>(`${b.url}/api/v1/slaves/reboot-me`);
          return body.slave.state === 'rebooting' ? body.slave : null;
        },
        5000,
        'the slave rebooting on B',
      );
      expect(rebooting.reboot).toMatchObject({ phase: 'rebooting', method: 'mark', actionId: id });
      // The slave comes back and says so to B: A, which runs the reboot, must hear of it.
      expect((await postJson(`${b.url}/api/v1/heartbeats`, { slave: 'reboot-me' })).status).toBe(
        202,
      );
      await waitFor(
        () =>
          actionMessages(console).find(
            (m) => m.event === 'finished' && m.action.id === id && m.action.outcome === 'done',
          ),
        10_000,
        'the finished action on B',
      );
      const { body } = await getJson<{ actions: ActionView[] }>(`${b.url}/api/v1/actions`);
      expect(body.actions.find((x) => x.id === id)).toMatchObject({
        kind: 'reboot',
        outcome: 'done',
        targets: [{ slave: 'reboot-me', status: 'back' }],
      });
    } finally {
      console.close();
    }
  });
});
