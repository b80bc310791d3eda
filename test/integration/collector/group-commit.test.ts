// Group commit with the real writer thread and a real SQLite file: heartbeats that arrive while a
// batch is being written go in the next one, batches are committed in order, each built on the
// one before, every acknowledged heartbeat is in the database, and checkpoints write the slaves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Heartbeat } from '../../../src/domain/heartbeat.js';

// The built code: the writer runs dist/collector/store-worker.js in a worker thread.
const built = <T>(file: string) =>
  import(new URL(`../../../dist/${file}`, import.meta.url).href) as Promise<T>;
const { Fleet } =
  await built<typeof import('../../../src/collector/fleet.js')>('collector/fleet.js');
const { GroupCommit } = await built<typeof import('../../../src/collector/group-commit.js')>(
  'collector/group-commit.js',
);
const { Store } =
  await built<typeof import('../../../src/collector/store.js')>('collector/store.js');
const { StoreWriter } = await built<typeof import('../../../src/collector/store-writer.js')>(
  'collector/store-writer.js',
);
const { SummaryCheckpoint } = await built<
  typeof import('../../../src/collector/summary-checkpoint.js')
>('collector/summary-checkpoint.js');
const { DEFAULT_POLICY } =
  await built<typeof import('../../../src/domain/thresholds.js')>('domain/thresholds.js');

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const beat = (slave: string, at: number, kind: Heartbeat['kind'] = 'start'): Heartbeat => ({
  slave,
  kind,
  at,
  master: null,
  pool: null,
  message: kind === 'critical' ? 'cannot reach master' : null,
});

describe('group commit', () => {
  it('commits batches in order, each on top of the one before', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'corral-gc-'));
    const db = path.join(dir, 'c.db');
    const writer = new StoreWriter(db);
    const fleet = new Fleet(DEFAULT_POLICY, 50);
    const checkpoint = new SummaryCheckpoint(writer, fleet, { through: 0, replayed: [] });
    const committed: number[] = [];
    const commits = new GroupCommit(writer, fleet, checkpoint, (hs) => committed.push(hs.length));
    const t = Date.now() - 60_000;
    const acks: Array<Promise<void>> = [];
    // Ten batches, one an event-loop turn, while the writer is still busy with earlier ones.
    for (let i = 0; i < 10; i++) {
      acks.push(commits.submit([beat('s-1', t + i * 1000), beat(`other-${i}`, t)]));
      if (i === 4) acks.push(commits.submit([beat('s-1', t + 4500, 'critical')]));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(acks);
    await commits.close();
    // Only the log so far: a load replays all of it.
    const before = new Store(db);
    try {
      expect(before.loadSlaves(50)).toMatchObject({ through: 21 });
      expect(before.loadSlaves(50).replayed).toHaveLength(11);
    } finally {
      before.close();
    }
    await checkpoint.close();
    await writer.close();
    expect(committed.reduce((a, b) => a + b, 0)).toBe(21);
    expect(committed.length).toBeGreaterThan(1);
    const record = fleet.get('s-1')!;
    expect(record.starts).toEqual(Array.from({ length: 10 }, (_, i) => t + i * 1000));
    expect(record.lastStart).toBe(t + 9000);
    expect(record.lastCritical).toEqual({ at: t + 4500, message: 'cannot reach master' });
    expect(fleet.size).toBe(11);
    // The database agrees with memory, as a restart would load it.
    const store = new Store(db);
    try {
      expect(store.countHeartbeats()).toBe(21);
      // Checkpointed: every row, nothing to replay.
      expect(store.loadSlaves(50)).toMatchObject({ through: 21, replayed: [] });
      const loaded = store.loadSlaves(50).slaves.find((s) => s.name === 's-1')!;
      expect(loaded).toMatchObject({ lastStart: t + 9000, starts: record.starts });
      expect(loaded.lastCritical).toEqual(record.lastCritical);
    } finally {
      store.close();
    }
  });

  it('refuses new heartbeats once closing, after writing what it took', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'corral-gc-'));
    const writer = new StoreWriter(path.join(dir, 'c.db'));
    const fleet = new Fleet(DEFAULT_POLICY, 50);
    const checkpoint = new SummaryCheckpoint(writer, fleet, { through: 0, replayed: [] });
    const commits = new GroupCommit(writer, fleet, checkpoint, () => {});
    const taken = commits.submit([beat('a', Date.now())]);
    const closed = commits.close();
    await expect(commits.submit([beat('b', Date.now())])).rejects.toThrow(/shutting down/);
    await taken;
    await closed;
    await writer.close();
    expect(fleet.get('a')).toBeDefined();
    expect(fleet.get('b')).toBeUndefined();
  });
});
