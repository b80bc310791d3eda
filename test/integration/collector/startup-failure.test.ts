// A database the collector cannot trust stops it at start, with one line and a non-zero exit, in
// a bounded time (it used to print the error and hang, deaf to SIGTERM); a damaged row does not;
// SIGTERM stops a startup that waits on a file which never answers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CORRAL_BIN,
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';
import { onPostgres } from '../../support/postgres.js';
import { UNVERSIONED_SCHEMA } from '../../support/unversioned-schema.js';
import { SCHEMA_VERSION } from '../../../src/collector/schema.js';

let dir: string | null = null;
let running: RunningCollector | null = null;
let child: ChildProcess | null = null;
afterEach(async () => {
  await running?.kill();
  running = null;
  // Never leave a hung collector behind, even when a test fails before it ends.
  if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the collector on `db` until it exits by itself (killed after `limitMs`: a hang). */
function runCollector(db: string, limitMs = 20_000): Promise<Ended> {
  const proc = spawn(
    process.execPath,
    [CORRAL_BIN, 'collector', '--listen', '127.0.0.1:0', '--db', db],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), limitMs);
  return new Promise((resolve) =>
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

/** A database with heartbeats of 300 slaves, checkpointed and closed cleanly by a real collector. */
async function filledDatabase(): Promise<string> {
  dir = mkdtempSync(path.join(tmpdir(), 'corral-startup-'));
  const first = await startCollector({ dir });
  const slaves = Array.from({ length: 300 }, (_, i) => ({ slave: `s-${i}`, pool: 'p' }));
  expect((await postJson(`${first.url}/api/v1/heartbeats`, slaves)).status).toBe(202);
  expect(await first.stop()).toBe(0);
  return first.dbPath;
}

/** Exit 1 by itself (a hang ends in runCollector's SIGKILL), one line on stderr, no stack trace. */
function expectOneLineRefusal(ended: Ended, db: string): string {
  expect(ended.signal).toBeNull();
  expect(ended.code).toBe(1);
  const lines = ended.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`corral: the database ${db}`);
  expect(ended.stderr).not.toMatch(/^\s+at /m);
  expect(ended.stdout).not.toContain('"listening"');
  return lines[0]!;
}

// SQLite only: these damage, empty or hand-write the database file itself (PostgreSQL's start
// failures are in postgres-store.test.ts); skipped under CORRAL_TEST_DB=postgres.
describe.skipIf(onPostgres)('collector startup on a database it cannot trust', () => {
  it('exits 1 with one line when page 2 of the file is zeroed', async () => {
    const db = await filledDatabase();
    execFileSync(
      'dd',
      ['if=/dev/zero', `of=${db}`, 'bs=4096', 'seek=1', 'count=1', 'conv=notrunc'],
      {
        stdio: 'ignore',
      },
    );
    const line = expectOneLineRefusal(await runCollector(db), db);
    expect(line).toMatch(
      /is damaged \(.+\): restore a backup \(docs\/backup\.md\), or move it away/,
    );
    expect(line).toContain('`corral doctor`');
  });

  it('exits 1 with one line on a file that is not a database', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'corral-startup-'));
    const db = path.join(dir, 'corral.db');
    writeFileSync(db, 'this is not a database\n'.repeat(400));
    const line = expectOneLineRefusal(await runCollector(db), db);
    expect(line).toContain('is damaged (file is not a database)');
  });

  it('refuses an existing 0-byte file instead of starting empty on it', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'corral-startup-'));
    const db = path.join(dir, 'corral.db');
    writeFileSync(db, '');
    const line = expectOneLineRefusal(await runCollector(db), db);
    expect(line).toContain('is empty (0 bytes), which corral never leaves');
    expect(line).toContain('restore a backup (docs/backup.md) or delete it');
  });

  it('refuses a database written by a newer corral', async () => {
    const db = await filledDatabase();
    const handle = new Database(db);
    handle.pragma('user_version = 999');
    handle.close();
    const line = expectOneLineRefusal(await runCollector(db), db);
    expect(line).toContain('its schema version is 999, newer than this corral');
  });

  it("starts on a database where one slave's starts history is not JSON, keeping everything", async () => {
    const db = await filledDatabase();
    const saved = path.join(dir!, 'saved.db');
    copyFileSync(db, saved);
    const handle = new Database(db);
    handle.prepare("UPDATE slaves SET starts = 'not json' WHERE name = 's-7'").run();
    handle.close();
    running = await startCollector({ dir: dir!, config: 'history: {checkpoint: 1s}' });
    const warned = running.logs.find((l) => String(l.msg).includes('starts history unreadable'));
    expect(warned).toMatchObject({ slaves: ['s-7'], count: 1 });
    const { body } = await getJson<{ slaves: Array<{ name: string; lastStart: string | null }> }>(
      `${running.url}/api/v1/slaves`,
    );
    expect(body.slaves).toHaveLength(300);
    expect(body.slaves.find((s) => s.name === 's-7')?.lastStart).not.toBeNull();
    // The next checkpoint writes the row whole again.
    const check = new Database(db, { readonly: true });
    try {
      await waitFor(() => {
        const row = check.prepare("SELECT starts FROM slaves WHERE name = 's-7'").get() as {
          starts: string;
        };
        return row.starts !== 'not json' && (JSON.parse(row.starts) as number[]).length === 1;
      });
    } finally {
      check.close();
    }
  });

  it('upgrades a database made before schema versions, says so, and serves its slaves', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'corral-startup-'));
    const old = new Database(path.join(dir, 'corral.db'));
    old.pragma('journal_mode = WAL');
    old.exec(UNVERSIONED_SCHEMA);
    const at = Date.now() - 3600_000;
    old
      .prepare(
        `INSERT INTO heartbeats (slave, kind, at, received_at) VALUES ('old-1', 'start', ?, ?), ('old-2', 'start', ?, ?)`,
      )
      .run(at, at, at + 1, at + 1);
    old.close();
    running = await startCollector({ dir });
    expect(running.logs.find((l) => l.msg === 'database schema upgraded')).toMatchObject({
      from: 0,
      to: SCHEMA_VERSION,
    });
    const { body } = await getJson<{ slaves: Array<{ name: string; state: string }> }>(
      `${running.url}/api/v1/slaves`,
    );
    expect(body.slaves.map((s) => [s.name, s.state]).sort()).toEqual([
      ['old-1', 'ok'],
      ['old-2', 'ok'],
    ]);
    await running.stop();
    const upgraded = new Database(path.join(dir, 'corral.db'), { readonly: true });
    expect(upgraded.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    upgraded.close();
  });

  it('stops on SIGTERM while startup waits on a file that never answers', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'corral-startup-'));
    // Nagios's objects.cache as a FIFO nobody writes: reading it blocks, as a hung NFS mount does.
    const fifo = path.join(dir, 'objects.cache');
    execFileSync('mkfifo', [fifo]);
    const config = path.join(dir, 'corral.yaml');
    writeFileSync(config, `nagios:\n  object_cache_file: ${fifo}\n`);
    const collector = spawn(
      process.execPath,
      [
        CORRAL_BIN,
        'collector',
        '--listen',
        '127.0.0.1:0',
        '--db',
        path.join(dir, 'c.db'),
        '--config',
        config,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = collector;
    let stdout = '';
    collector.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      collector.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await waitFor(() => stdout.includes('"database checked"'), 10_000, 'the database checked');
    // A collector that did not stop would be this test's timeout.
    collector.kill('SIGTERM');
    const ended = await exited;
    expect(ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(stdout).toContain('"stopped during startup"');
    expect(stdout).not.toContain('"listening"');
  });
});
