// A private PostgreSQL cluster for a bench (Debian's postgresql): initdb and pg_ctl as the
// `postgres` user in a temp dir, on a free loopback port, removed by stop().
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const BIN = '/usr/lib/postgresql/15/bin';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a cluster; `url(db)` names a database in it, `createDatabase(db)` makes one. */
export async function startPostgres() {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-bench-pg-'));
  const user = execFileSync('id', ['-u', 'postgres']).toString().trim();
  chownSync(dir, Number(user), Number(user));
  const port = await freePort();
  const as = (args) =>
    execFileSync('runuser', ['-u', 'postgres', '--', ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  as([`${BIN}/initdb`, '-D', `${dir}/data`, '-A', 'trust', '-U', 'corral']);
  as([
    `${BIN}/pg_ctl`,
    '-D',
    `${dir}/data`,
    '-w',
    '-l',
    `${dir}/log`,
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`,
    'start',
  ]);
  const url = (db) => `postgres://corral@127.0.0.1:${port}/${db}`;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    as([`${BIN}/pg_ctl`, '-D', `${dir}/data`, '-m', 'fast', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  };
  // A bench stopped by Ctrl-C, a timeout or its own crash leaves no cluster running behind it.
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      stop();
      process.exit(1);
    });
  }
  return {
    url,
    async createDatabase(db) {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      await client.query(`CREATE DATABASE ${db}`);
      await client.end();
      return url(db);
    },
    stop,
  };
}
