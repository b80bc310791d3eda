// A private PostgreSQL for tests: one cluster per test process in a temp dir (Debian's binaries,
// run as the `postgres` user when we are root, as initdb refuses root), a fresh database per
// collector, and stop()/start() for fault tests. Stopped when the process exits; a cluster left by
// a process that died is stopped and removed by the next one.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
/** The user the clusters' files and server belong to; tests connect as it (trust, loopback only). */
const USER = 'corral';
const PREFIX = 'corral-pg-';

/** True when Debian's PostgreSQL 15 binaries are installed. */
export function postgresInstalled(): boolean {
  return existsSync(path.join(PG_BIN, 'initdb')) && existsSync(path.join(PG_BIN, 'pg_ctl'));
}

/** The test switch: `CORRAL_TEST_DB=postgres` starts every collector on PostgreSQL. */
export const onPostgres = process.env.CORRAL_TEST_DB === 'postgres';

export interface PostgresCluster {
  readonly port: number;
  readonly dir: string;
  /** A URL for database `name` (no password: the cluster trusts loopback). */
  url(name: string): string;
  /** Creates a new, empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server: `fast` (clean) or `immediate` (a crash: no checkpoint). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts the stopped server again, on the same port. */
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  destroy(): void;
}

const asRoot = process.getuid?.() === 0;

/** argv run as the `postgres` user when we are root. */
function asPostgres(argv: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', ...argv]] : [argv[0]!, argv.slice(1)];
}

function run(argv: string[]): Promise<void> {
  const [program, args] = asPostgres(argv);
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Clusters left by test processes that died (their pid in the dir's name) are stopped and removed. */
function sweepOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    try {
      process.kill(pid, 0);
      continue; // its process still runs
    } catch {
      // gone: stop its server, if any, and remove it
    }
    const dir = path.join(tmpdir(), name);
    stopSync(dir, 'immediate');
    rmSync(dir, { recursive: true, force: true });
  }
}

function stopSync(dir: string, mode: 'fast' | 'immediate'): void {
  const data = path.join(dir, 'data');
  if (!existsSync(path.join(data, 'postmaster.pid'))) return;
  const [program, args] = asPostgres([
    path.join(PG_BIN, 'pg_ctl'),
    '-D',
    data,
    '-m',
    mode,
    '-w',
    'stop',
  ]);
  spawnSync(program, args, { stdio: 'ignore' });
}

let databases = 0;

/** Starts a new private cluster (initdb and start take about 3 s). */
export async function startPostgres(): Promise<PostgresCluster> {
  sweepOrphans();
  const dir = mkdtempSync(path.join(tmpdir(), `${PREFIX}${process.pid}-`));
  if (asRoot) chownSync(dir, Number(idOf('-u')), Number(idOf('-g')));
  const data = path.join(dir, 'data');
  const port = await freePort();
  // --no-sync: a test cluster need not survive the machine crashing before its first checkpoint.
  await run([
    path.join(PG_BIN, 'initdb'),
    '--no-sync',
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    USER,
    '-E',
    'UTF8',
  ]);
  const startServer = () =>
    run([
      path.join(PG_BIN, 'pg_ctl'),
      '-D',
      data,
      '-w',
      '-l',
      path.join(dir, 'log'),
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`,
      'start',
    ]);
  await startServer();
  const url = (name: string) => `postgres://${USER}@127.0.0.1:${port}/${name}`;
  const cluster: PostgresCluster = {
    port,
    dir,
    url,
    async createDatabase(name = `t${process.pid}_${++databases}`) {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop: (mode = 'fast') =>
      run([path.join(PG_BIN, 'pg_ctl'), '-D', data, '-m', mode, '-w', 'stop']),
    start: startServer,
    destroy() {
      stopSync(dir, 'immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  process.once('exit', () => cluster.destroy());
  return cluster;
}

function idOf(flag: '-u' | '-g'): string {
  return spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim();
}

let shared: Promise<PostgresCluster> | null = null;

/** This test process's cluster, started at the first call. */
export function testPostgres(): Promise<PostgresCluster> {
  shared ??= startPostgres();
  return shared;
}

/**
 * A fresh database for one collector (or two sharing it): in the run's cluster when the switch
 * started one, else in this process's own.
 */
export async function freshDatabaseUrl(): Promise<string> {
  // Provided by postgres-setup.ts (vitest's globalSetup) under the switch.
  const admin = inject('corralPostgresAdminUrl');
  if (admin === undefined) return (await testPostgres()).createDatabase();
  const name = `t${process.pid}_${++databases}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The server's log so far (for a failing test's message). */
export function postgresLog(cluster: PostgresCluster): string {
  try {
    return readFileSync(path.join(cluster.dir, 'log'), 'utf8');
  } catch {
    return '';
  }
}
