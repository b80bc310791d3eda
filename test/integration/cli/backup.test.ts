// `corral backup FILE` against a live collector taking heartbeats: the copy is consistent, and a
// collector started on it (the restore of docs/backup.md) has every heartbeat acknowledged before
// the backup began. Refusals are one line and change nothing.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { Store } from '../../../src/collector/store.js';
import { SCHEMA_VERSION } from '../../../src/collector/schema.js';
import { afterEach, describe, expect, it } from 'vitest';
import { onPostgres } from '../../support/postgres.js';
import {
  CORRAL_BIN,
  getJson,
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';

const run = promisify(execFile);
let running: RunningCollector[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const r of running) await r.kill();
  running = [];
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-backup-'));
  dirs.push(dir);
  return dir;
}

async function backup(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CORRAL_BIN, 'backup', ...args], {
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// SQLite only: a backup copies the SQLite file (PostgreSQL has pg_dump); skipped under
// CORRAL_TEST_DB=postgres.
describe.skipIf(onPostgres)('corral backup', () => {
  it('copies a live database while heartbeats arrive; a restore has everything acknowledged before it', async () => {
    const live = await startCollector();
    running.push(live);
    const acknowledged: string[] = [];
    let stop = false;
    const senders = Array.from({ length: 8 }, async (_, sender) => {
      for (let i = 0; !stop; i++) {
        const slave = `b-${sender}-${i}`;
        const res = await postJson(`${live.url}/api/v1/heartbeats`, { slave, pool: 'p' });
        if (res.status === 202) acknowledged.push(slave);
      }
    });
    await waitFor(() => acknowledged.length >= 200, 20_000, '200 acknowledged heartbeats');
    const before = new Set(acknowledged);
    const file = path.join(tempDir(), 'corral-backup.db');
    const result = await backup(['--db', live.dbPath, file]);
    const during = acknowledged.length - before.size;
    stop = true;
    await Promise.all(senders);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^backed up ${live.dbPath} to ${file}: \\d+ slaves, \\d+ heartbeats, 0 actions, [\\d.]+ MB, schema ${SCHEMA_VERSION}, in [\\d.]+ s\\n$`,
      ),
    );
    // Heartbeats kept arriving while it ran: the copy was taken from a database being written.
    expect(during).toBeGreaterThan(0);

    // The restore: the live database is lost; the backup goes in its place and a collector starts.
    await live.kill();
    const restoredDir = tempDir();
    copyFileSync(file, path.join(restoredDir, 'corral.db'));
    const restored = await startCollector({ dir: restoredDir });
    running.push(restored);
    const { body } = await getJson<{ slaves: Array<{ name: string }> }>(
      `${restored.url}/api/v1/slaves`,
    );
    const present = new Set(body.slaves.map((s) => s.name));
    expect([...before].filter((name) => !present.has(name))).toEqual([]);
    // Nothing in the copy that was never acknowledged or sent.
    expect([...present].every((name) => /^b-\d+-\d+$/.test(name))).toBe(true);
  }, 90_000);

  it('refuses an existing FILE without --force, and replaces it with --force', async () => {
    const dir = tempDir();
    const first = await startCollector({ dir });
    running.push(first);
    expect((await postJson(`${first.url}/api/v1/heartbeats`, { slave: 's-1' })).status).toBe(202);
    const file = path.join(dir, 'old-backup.db');
    writeFileSync(file, 'an older backup');
    const refused = await backup(['--db', first.dbPath, file]);
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr: `corral: ${file} already exists: choose another name, or add --force to replace it\n`,
    });
    expect(readFileSync(file, 'utf8')).toBe('an older backup');
    expect((await backup(['--db', first.dbPath, '--force', file])).code).toBe(0);
    const copy = new Database(file, { readonly: true });
    expect(
      copy.prepare('SELECT name FROM slaves UNION SELECT slave FROM heartbeats').pluck().all(),
    ).toEqual(['s-1']);
    copy.close();
  });

  it('refuses to write over the live database, a missing database and an unwritable place', async () => {
    const dir = tempDir();
    const first = await startCollector({ dir });
    running.push(first);
    expect(await backup(['--db', first.dbPath, first.dbPath])).toMatchObject({
      code: 1,
      stderr: `corral: ${first.dbPath} is the live database itself: back it up to another file\n`,
    });
    const missing = path.join(dir, 'nope.db');
    expect(await backup(['--db', missing, path.join(dir, 'x.db')])).toMatchObject({
      code: 1,
      stderr: `corral: there is no database at ${missing}: give the collector's with --db or --config\n`,
    });
    expect(await backup(['--db', first.dbPath, '/nonexistent-dir/x.db'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^corral: cannot write the backup: \/nonexistent-dir does not exist/,
      ) as string,
    });
  });

  it('finds the database through --config, as the collector does', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'data', 'farm.db');
    new Store(db).close();
    const config = path.join(dir, 'corral.yaml');
    writeFileSync(config, 'db: data/farm.db\n');
    const result = await backup(['--config', config, path.join(dir, 'copy.db')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`backed up ${db} to ${path.join(dir, 'copy.db')}: 0 slaves`);
  });
});

describe('corral backup on PostgreSQL', () => {
  it('refuses with one line naming pg_dump', async () => {
    const url = 'postgres://corral@127.0.0.1:5432/corral';
    expect(await backup(['--db', url, path.join(tempDir(), 'x.db')])).toEqual({
      code: 1,
      stdout: '',
      stderr: `corral: corral backup copies a SQLite file; ${url} is PostgreSQL: back it up with pg_dump (docs/ha.md)\n`,
    });
  });
});
