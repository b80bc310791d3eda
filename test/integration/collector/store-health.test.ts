// /healthz tells the store's trouble: a full disk (a real tmpfs, filled) makes every write fail,
// a write lock held by another process makes the writer fall behind; both show as the `store`
// part while they last, are counted in /metrics, and clear when a write succeeds again.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { onPostgres } from '../../support/postgres.js';
import { available } from '../../support/requires.js';
import {
  postJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../../support/collector.js';

interface Health {
  status: string;
  problems: Array<{ part: string; problem: string; since: string }>;
}

let running: RunningCollector | null = null;
let cleanups: Array<() => void> = [];
afterEach(async () => {
  await running?.kill();
  running?.cleanup();
  running = null;
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

async function health(url: string): Promise<{ status: number; body: Health }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as Health };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

/** Writes zeros into `file` until the file system says it is full. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

/** A 4 MB tmpfs of our own (root only), or null where mounting is not allowed. */
function smallDisk(): string | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  cleanups.push(() => {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

const canMount = available(
  'a tmpfs mount (root)',
  (() => {
    const dir = smallDisk();
    for (const c of cleanups) c();
    cleanups = [];
    return dir !== null;
  })(),
  'run the tests as root, as CI does',
);

const batch = (prefix: string) =>
  Array.from({ length: 100 }, (_, i) => ({
    slave: `${prefix}-${i}`,
    kind: 'critical',
    message: 'cannot reach master '.repeat(25),
  }));

// SQLite only: a full file system under the file, a lock on the file (PostgreSQL's trouble in
// /healthz is in postgres-store.test.ts); skipped under CORRAL_TEST_DB=postgres.
describe.skipIf(onPostgres)('the store in /healthz', () => {
  it.skipIf(!canMount)(
    'is degraded while the disk is full (heartbeats get 503), ok again once a write succeeds',
    async () => {
      const disk = smallDisk()!;
      running = await startCollector({ dir: disk });
      const url = running.url;
      expect((await postJson(`${url}/api/v1/heartbeats`, batch('before'))).status).toBe(202);
      expect((await health(url)).status).toBe(200);

      const filler = path.join(disk, 'filler');
      fill(filler);
      const refused = await postJson(`${url}/api/v1/heartbeats`, batch('full'));
      expect(refused.status).toBe(503);
      expect(String(refused.body.error)).toContain('nothing was stored, send it again');
      const degraded = await health(url);
      expect(degraded.status).toBe(503);
      expect(degraded.body.status).toBe('degraded');
      expect(degraded.body.problems).toEqual([
        {
          part: 'store',
          problem: 'writes to the database fail: database or disk is full',
          since: expect.any(String) as string,
        },
      ]);
      expect(await metric(url, 'corral_store_writes_failed_total{op="write"}')).toBe(1);

      unlinkSync(filler);
      expect((await postJson(`${url}/api/v1/heartbeats`, batch('after'))).status).toBe(202);
      expect(await health(url)).toMatchObject({
        status: 200,
        body: { status: 'ok', problems: [] },
      });
    },
  );

  it('is degraded while a write waits behind a lock another process holds, then while writes fail', async () => {
    running = await startCollector();
    const url = running.url;
    expect((await postJson(`${url}/api/v1/heartbeats`, { slave: 'first' })).status).toBe(202);
    // Another process (a person with sqlite3, say) holds the write lock.
    const other = new Database(running.dbPath);
    cleanups.push(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    const waiting = postJson(`${url}/api/v1/heartbeats`, { slave: 'stuck' });
    const behind = await waitFor(async () => {
      const h = await health(url);
      return h.body.problems[0]?.problem.includes('behind') ? h : null;
    }, 5000);
    expect(behind.status).toBe(503);
    expect(behind.body.problems).toMatchObject([
      { part: 'store', problem: expect.stringContaining('waited more than 2s') as string },
    ]);
    expect(await metric(url, 'corral_store_oldest_write_seconds')).toBeGreaterThan(2);
    // SQLite gives up after its 5 s busy timeout: the heartbeat is refused, and health says so.
    expect((await waiting).status).toBe(503);
    expect((await health(url)).body.problems).toMatchObject([
      { part: 'store', problem: 'writes to the database fail: database is locked' },
    ]);
    other.exec('ROLLBACK');
    expect((await postJson(`${url}/api/v1/heartbeats`, { slave: 'stuck' })).status).toBe(202);
    expect((await health(url)).status).toBe(200);
    expect(await metric(url, 'corral_store_oldest_write_seconds')).toBe(0);
  }, 20_000);
});
