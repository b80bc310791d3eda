// The collector on a real PostgreSQL (a private cluster started here): the schema made at start
// (two collectors starting together migrate once), a newer one refused with one line, a 202 only
// once the heartbeat is committed, everything back after kill -9, action ids from the database
// (two collectors never give the same), an unreachable server a one-line start failure, and the
// server stopped while running: 503 and /healthz's `store`, then recovery without a restart.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../../src/collector/schema.js';
import {
  CORRAL_BIN,
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
  type StartOptions,
} from '../../support/collector.js';
import { postgresInstalled, startPostgres, type PostgresCluster } from '../../support/postgres.js';
import { available } from '../../support/requires.js';

const hasPostgres = available(
  'PostgreSQL 15',
  postgresInstalled(),
  'apt-get install -y --no-install-recommends postgresql',
);

let cluster: PostgresCluster;
const running: RunningCollector[] = [];

beforeAll(async () => {
  if (hasPostgres) cluster = await startPostgres();
}, 60_000);
afterAll(() => cluster?.destroy());
afterEach(async () => {
  for (const c of running.splice(0)) {
    await c.kill();
    c.cleanup();
  }
});

async function start(db: string, opts: StartOptions = {}): Promise<RunningCollector> {
  const c = await startCollector({ ...opts, args: ['--db', db, ...(opts.args ?? [])] });
  running.push(c);
  return c;
}

/** One query on the test's database, as an operator's psql would. */
async function sql<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** `corral collector` run to its exit: code and stderr (for a start that must fail). */
function runToExit(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CORRAL_BIN, 'collector', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

const beat = (slave: string, extra: Record<string, unknown> = {}) => ({ slave, ...extra });

interface Health {
  status: string;
  problems: Array<{ part: string; problem: string }>;
}
async function health(url: string): Promise<{ status: number; body: Health }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as Health };
}

describe.skipIf(!hasPostgres)('the collector on PostgreSQL', () => {
  it('creates the schema once when two collectors start together, at the current version', async () => {
    const url = await cluster.createDatabase();
    const [a, b] = await Promise.all([start(url), start(url)]);
    const created = [a, b].filter((c) => c.logs.some((l) => l.msg === 'database created'));
    expect(created).toHaveLength(1);
    expect(await sql(url, 'SELECT version FROM corral_schema')).toEqual([
      { version: SCHEMA_VERSION },
    ]);
    // The log names the database without a password, and says where it listens.
    expect(a.logs.find((l) => l.msg === 'listening')).toMatchObject({ db: url });
  });

  it('refuses a database a newer corral wrote, with one line, and changes nothing', async () => {
    const url = await cluster.createDatabase();
    const first = await start(url);
    await first.stop();
    await sql(url, 'UPDATE corral_schema SET version = $1', [SCHEMA_VERSION + 1]);
    const { code, stderr } = await runToExit(['--listen', '127.0.0.1:0', '--db', url]);
    expect(code).toBe(1);
    const line = stderr.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain(`PostgreSQL at 127.0.0.1:${cluster.port}`);
    expect(line).toContain(`its schema version is ${SCHEMA_VERSION + 1}, newer than this corral's`);
    expect(await sql(url, 'SELECT version FROM corral_schema')).toEqual([
      { version: SCHEMA_VERSION + 1 },
    ]);
  });

  it('answers 202 only once the heartbeat is committed, and keeps everything across kill -9', async () => {
    const url = await cluster.createDatabase();
    const c = await start(url);
    const batch = Array.from({ length: 50 }, (_, i) =>
      beat(`s${i}`, { kind: 'critical', message: `disk ${i}` }),
    );
    const posted = await postJson(`${c.url}/api/v1/heartbeats`, batch);
    expect(posted.status).toBe(202);
    // Read by another connection the moment the 202 arrived: committed.
    expect(await sql(url, 'SELECT count(*)::int AS n FROM heartbeats')).toEqual([{ n: 50 }]);

    await c.kill();
    const again = await start(url, { dir: c.dir });
    const { body } = await getJson(`${again.url}/api/v1/slaves`);
    expect((body.slaves as Array<{ name: string }>).map((s) => s.name).sort()).toEqual(
      batch.map((b) => b.slave).sort(),
    );
    const detail = await getJson(`${again.url}/api/v1/slaves/s7`);
    expect(detail.body.slave).toMatchObject({
      messages: [{ kind: 'critical', message: 'disk 7' }],
    });
  });

  it('numbers actions from the database: two collectors on one never give the same id', async () => {
    const url = await cluster.createDatabase();
    const config = [
      'reboot:',
      '  methods:',
      `    - {name: noop, argv: ${JSON.stringify([process.execPath, '-e', ''])}, timeout: 5s, wait: 1s}`,
    ].join('\n');
    const [a, b] = await Promise.all([start(url, { config }), start(url, { config })]);
    for (const c of [a, b]) {
      expect((await postJson(`${c.url}/api/v1/heartbeats`, [beat('r1'), beat('r2')])).status).toBe(
        202,
      );
    }
    // Reboots run on the owner alone (docs/ha.md): one refused by the other (503, nothing
    // numbered) goes to the owner, as a client listing both collectors does.
    const post = (c: RunningCollector, slave: string) =>
      postJson(`${c.url}/api/v1/actions`, {
        kind: 'reboot',
        targets: [slave],
        params: { comment: 'test' },
      });
    const reboot = (c: RunningCollector, slave: string) =>
      waitFor(async () => {
        for (const x of [c, c === a ? b : a]) {
          const answer = await post(x, slave);
          if (answer.status !== 503) return answer;
        }
        return null; // neither owns yet
      }, 15_000);
    const answers = await Promise.all([
      reboot(a, 'r1'),
      reboot(b, 'r2'),
      reboot(a, 'r2'),
      reboot(b, 'r1'),
    ]);
    const ids = answers.map((r) => {
      expect(r.status).toBe(202);
      return (r.body.action as { id: number }).id;
    });
    expect(new Set(ids).size).toBe(4);
    // Each collector reads the other's from the database.
    for (const id of ids) {
      expect((await getJson(`${a.url}/api/v1/actions/${id}`)).status).toBe(200);
    }
  });

  it('refuses to start when PostgreSQL cannot be reached: one line naming host and port', async () => {
    const closed = cluster.port + 1 === 65536 ? 1 : cluster.port + 1;
    const { code, stderr } = await runToExit([
      '--listen',
      '127.0.0.1:0',
      '--db',
      `postgres://corral@127.0.0.1:${closed}/corral`,
    ]);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(
      new RegExp(
        `^corral: PostgreSQL at 127\\.0\\.0\\.1:${closed} \\(database corral\\): connection refused: start PostgreSQL, or correct db: in corral.yaml \\(or --db\\)$`,
      ),
    );
  });

  it('takes the password from db_password_file:, never logs it, and says so when it is refused', async () => {
    // A user that must give its password (scram), beside the cluster's trusted one.
    const admin = cluster.url('postgres');
    await sql(admin, "CREATE ROLE keeper LOGIN PASSWORD 'not-logged-secret'");
    await sql(admin, 'CREATE DATABASE kept OWNER keeper');
    const hba = path.join(cluster.dir, 'data', 'pg_hba.conf');
    writeFileSync(hba, `host all keeper 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
    await sql(admin, 'SELECT pg_reload_conf()');
    const url = `postgres://keeper@127.0.0.1:${cluster.port}/kept`;

    const c = await start(url, {
      config: 'db_password_file: pw\n',
      files: { pw: 'not-logged-secret\n' },
    });
    expect((await postJson(`${c.url}/api/v1/heartbeats`, [beat('kept-1')])).status).toBe(202);
    expect(JSON.stringify(c.logs)).not.toContain('not-logged-secret');

    writeFileSync(path.join(c.dir, 'wrong'), 'not-the-password\n');
    writeFileSync(path.join(c.dir, 'wrong.yaml'), 'db_password_file: wrong\n');
    const refused = await runToExit([
      '--listen',
      '127.0.0.1:0',
      '--config',
      path.join(c.dir, 'wrong.yaml'),
      '--db',
      url,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `corral: PostgreSQL at 127.0.0.1:${cluster.port} (database kept): the password was refused: check db_password_file: (or the \${VAR} in db:)`,
    );
    const none = await runToExit(['--listen', '127.0.0.1:0', '--db', url]);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe(
      `corral: PostgreSQL at 127.0.0.1:${cluster.port} (database kept): the server asks for a password and none is given: set db_password_file: in corral.yaml (or the password in db: with \${VAR})`,
    );
    // On the command line a password would show in ps: refused before anything connects.
    const inArgv = await runToExit([
      '--listen',
      '127.0.0.1:0',
      '--db',
      `postgres://keeper:not-logged-secret@127.0.0.1:${cluster.port}/kept`,
    ]);
    expect(inArgv.code).toBe(1);
    expect(inArgv.stderr).toMatch(/^corral: --db: a password on the command line shows in ps/);
    expect(inArgv.stderr).not.toContain('not-logged-secret');
  });

  it('answers 503 while PostgreSQL is stopped (never 202), says so in /healthz, and recovers without a restart', async () => {
    const url = await cluster.createDatabase();
    const c = await start(url);
    expect((await postJson(`${c.url}/api/v1/heartbeats`, [beat('before')])).status).toBe(202);
    await cluster.stop('fast');
    try {
      const started = Date.now();
      const during = await postJson(`${c.url}/api/v1/heartbeats`, [beat('during')]);
      expect(during.status).toBe(503);
      expect(during.body.error).toMatch(
        /PostgreSQL at 127\.0\.0\.1:\d+ .*nothing was stored, send it again$/,
      );
      // Fails fast: well inside a slave's 5 s budget.
      expect(Date.now() - started).toBeLessThan(5000);
      await waitFor(async () => {
        const h = await health(c.url);
        return h.status === 503 && h.body.problems.some((p) => p.part === 'store');
      }, 10_000);
      // A read the store cannot answer is a 503 with its reason, not a 500.
      const actions = await fetch(`${c.url}/api/v1/actions`);
      expect(actions.status).toBe(503);
    } finally {
      await cluster.start();
    }
    await waitFor(
      async () => (await postJson(`${c.url}/api/v1/heartbeats`, [beat('after')])).status === 202,
      15_000,
    );
    await waitFor(async () => (await health(c.url)).status === 200, 10_000);
    const names = (
      await sql<{ slave: string }>(url, 'SELECT DISTINCT slave FROM heartbeats ORDER BY slave')
    ).map((r) => r.slave);
    expect(names).toContain('before');
    expect(names).toContain('after');
    expect(names).not.toContain('during');
    expect(c.process.exitCode).toBeNull();
  });
});
