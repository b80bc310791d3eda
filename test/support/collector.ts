// Starts the real collector (the built bin/corral.js) on an ephemeral port with a temp dir, for tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import pg from 'pg';
import { freshDatabaseUrl, onPostgres } from './postgres.js';

export const CORRAL_BIN = path.resolve(import.meta.dirname, '../../bin/corral.js');

export interface RunningCollector {
  url: string;
  wsUrl: string;
  port: number;
  dir: string;
  /** The SQLite file (under CORRAL_TEST_DB=postgres, unused: see `db`). */
  dbPath: string;
  /** What the collector was given as --db: the SQLite file, or its PostgreSQL database's URL. */
  db: string;
  process: ChildProcess;
  /** Every log line the collector printed, parsed. */
  logs: Array<Record<string, unknown>>;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** Removes the temp dir (after stop or kill). */
  cleanup(): void;
}

export interface StartOptions {
  /** corral.yaml text; written into the temp dir and passed with --config. */
  config?: string;
  /** More files for the temp dir (an inventory the config names), by name. */
  files?: Record<string, string>;
  env?: Record<string, string>;
  /** The --db to give (e.g. a PostgreSQL URL two collectors share); default: the switch's. */
  db?: string;
  /** Reuse a dir (and its database), e.g. to restart after a crash. */
  dir?: string;
  args?: string[];
  /** A command that execs node, e.g. `setpriv --reuid=nobody ... --` to run the collector as another user. */
  runAs?: string[];
}

export async function startCollector(opts: StartOptions = {}): Promise<RunningCollector> {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'corral-test-'));
  const dbPath = path.join(dir, 'corral.db');
  const db = opts.db ?? (onPostgres ? await databaseFor(dir) : dbPath);
  const args = [CORRAL_BIN, 'collector', '--listen', '127.0.0.1:0', '--db', db];
  for (const [name, text] of Object.entries(opts.files ?? {})) {
    writeFileSync(path.join(dir, name), text);
  }
  if (opts.config !== undefined) {
    const configPath = path.join(dir, 'corral.yaml');
    writeFileSync(configPath, opts.config);
    args.push('--config', configPath);
  }
  args.push(...(opts.args ?? []));
  const [program, ...before] = [...(opts.runAs ?? []), process.execPath];
  const child = spawn(program!, [...before, ...args], {
    cwd: dir,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a stuck collector behind
      reject(new Error(`collector did not start in 20s: ${stderr}`));
    }, 20_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'listening') {
          clearTimeout(timer);
          resolve(entry.url as string);
        }
      } catch {
        logs.push({ raw: line });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code} before listening: ${stderr.trim()}`));
    });
  });
  const port = Number(new URL(url).port);
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/api/v1/stream`,
    port,
    dir,
    dbPath,
    db,
    process: child,
    logs,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    cleanup() {
      if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The PostgreSQL database of a collector's dir under CORRAL_TEST_DB=postgres: made at its first
 * start, kept in the dir, so a restart in the same dir finds its data as a SQLite file would.
 */
async function databaseFor(dir: string): Promise<string> {
  const file = path.join(dir, '.postgres-url');
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const url = await freshDatabaseUrl();
  writeFileSync(file, url);
  return url;
}

/**
 * One read-only query (no parameters) on a collector's store, SQLite file or PostgreSQL database
 * alike: for tests that check what is committed. Counts come back as numbers on both.
 */
export async function queryStore<R = Record<string, unknown>>(
  c: Pick<RunningCollector, 'db'>,
  sql: string,
): Promise<R[]> {
  if (!c.db.startsWith('postgres')) {
    const db = new Database(c.db, { readonly: true });
    try {
      return db.prepare(sql).all() as R[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: c.db });
  await client.connect();
  try {
    const rows = (await client.query<Record<string, unknown>>(sql)).rows;
    // bigint (count, ids, times) arrives as text from node-postgres.
    return rows.map(
      (r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v,
          ]),
        ) as R,
    );
  } finally {
    await client.end();
  }
}

/**
 * One statement that changes a stopped collector's store (SQLite file or PostgreSQL database
 * alike), no parameters: for tests that plant a row as an earlier run would have left it.
 */
export async function execStore(c: Pick<RunningCollector, 'db'>, sql: string): Promise<void> {
  if (!c.db.startsWith('postgres')) {
    const db = new Database(c.db);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: c.db });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** POSTs JSON; returns status and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function getJson<T = Record<string, unknown>>(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls until the check returns a truthy value or the time runs out. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
