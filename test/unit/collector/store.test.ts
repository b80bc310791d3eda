// The SQLite store on a real file: the heartbeat log and the checkpointed slave rows, rebuilt at
// load from the log's tail; "needs hands" across a restart; databases made by earlier versions;
// files it must refuse (empty, damaged, newer) and damaged rows it loads around.
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseError, inspectDatabase } from '../../../src/collector/database-file.js';
import { SCHEMA_VERSION } from '../../../src/collector/schema.js';
import { openStoreReads, Store, slaveUpdate } from '../../../src/collector/store.js';
import type { Heartbeat } from '../../../src/domain/heartbeat.js';
import { applyHeartbeat, newRecord } from '../../../src/domain/slave-record.js';
import { UNVERSIONED_SCHEMA } from '../../support/unversioned-schema.js';

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const start = (slave: string, at: number): Heartbeat => ({
  slave,
  kind: 'start',
  at,
  master: null,
  pool: null,
  message: null,
});
const critical = (slave: string, at: number, message: string): Heartbeat => ({
  ...start(slave, at),
  kind: 'critical',
  message,
});

function tempFile(name = 'c.db'): string {
  dir = mkdtempSync(path.join(tmpdir(), 'corral-store-'));
  return path.join(dir, name);
}

type Record = ReturnType<typeof newRecord>;

/** What memory holds after these heartbeats: what a load must give back. */
function folded(heartbeats: Heartbeat[], maxStarts = 50): Map<string, Record> {
  const records = new Map<string, Record>();
  for (const h of heartbeats) {
    records.set(h.slave, applyHeartbeat(records.get(h.slave) ?? newRecord(h.slave), h, maxStarts));
  }
  return records;
}

/** By name; no reboot status and `reboot: null` mean the same. */
const byName = (records: Iterable<Record>) =>
  new Map([...records].map((r) => [r.name, { ...r, reboot: r.reboot ?? null }]));

describe('Store: the log and the checkpoint', () => {
  const t = Date.now() - 3600_000;
  const first = [start('a', t), start('b', t + 1), critical('a', t + 2, 'cannot reach master')];
  const later = [start('a', t + 10), start('c', t + 11), start('b', t + 12)];

  it('rebuilds every slave from the log when nothing is checkpointed', () => {
    const file = tempFile();
    let store = new Store(file);
    expect(store.writeHeartbeats([{ heartbeats: first, now: t }])).toBe(3);
    expect(
      store.writeHeartbeats([
        { heartbeats: later.slice(0, 1), now: t },
        { heartbeats: later.slice(1), now: t },
      ]),
    ).toBe(6);
    store.close();
    store = new Store(file);
    const loaded = store.loadSlaves(50);
    store.close();
    expect(loaded.through).toBe(6);
    expect(loaded.replayed.sort()).toEqual(['a', 'b', 'c']);
    const expected = folded([...first, ...later]);
    expect(byName(loaded.slaves)).toEqual(byName(expected.values()));
    expect(loaded.slaves.find((s) => s.name === 'a')).toMatchObject({
      starts: [t, t + 10],
      lastCritical: { at: t + 2, message: 'cannot reach master' },
    });
  });

  it('loads checkpointed rows and replays only the heartbeats after the checkpoint', () => {
    const file = tempFile();
    let store = new Store(file);
    store.writeHeartbeats([{ heartbeats: first, now: t }]);
    store.writeSummaries([...folded(first).values()].map(slaveUpdate), 3);
    store.writeHeartbeats([{ heartbeats: later, now: t }]);
    store.close();
    store = new Store(file);
    const loaded = store.loadSlaves(50);
    expect(loaded.through).toBe(6);
    expect(loaded.replayed.sort()).toEqual(['a', 'b', 'c']);
    expect(byName(loaded.slaves)).toEqual(byName(folded([...first, ...later]).values()));
    // A checkpoint of the whole fleet: nothing left to replay, and the same fleet loads.
    store.writeSummaries(loaded.slaves.map(slaveUpdate), loaded.through);
    const again = store.loadSlaves(50);
    store.close();
    expect(again).toMatchObject({ through: 6, replayed: [] });
    expect(byName(again.slaves)).toEqual(byName(loaded.slaves));
  });

  it('keeps only the configured number of starts when the setting shrank', () => {
    const file = tempFile();
    const store = new Store(file);
    const many = Array.from({ length: 8 }, (_, i) => start('a', t + i));
    store.writeHeartbeats([{ heartbeats: many, now: t }]);
    store.writeSummaries([...folded(many).values()].map(slaveUpdate), 8);
    expect(store.loadSlaves(3).slaves[0]!.starts).toEqual([t + 5, t + 6, t + 7]);
    store.close();
  });

  it('prunes old heartbeats, but never the tail a load still replays nor the newest row', () => {
    const file = tempFile();
    const store = new Store(file);
    store.writeHeartbeats([{ heartbeats: first, now: t }]);
    store.writeHeartbeats([{ heartbeats: later, now: t + 1000 }]);
    // Nothing checkpointed: nothing may go.
    expect(store.prune(t + 5000)).toBe(0);
    store.writeSummaries([...folded(first).values()].map(slaveUpdate), 3);
    expect(store.prune(t + 5000)).toBe(3);
    store.writeSummaries([...folded([...first, ...later]).values()].map(slaveUpdate), 6);
    // Everything is old and checkpointed; the newest row stays, so ids go on from it.
    expect(store.prune(t + 5000)).toBe(2);
    expect(store.countHeartbeats()).toBe(1);
    expect(store.writeHeartbeats([{ heartbeats: [start('d', t + 20)], now: t + 6000 }])).toBe(7);
    expect(
      store
        .loadSlaves(50)
        .slaves.map((s) => s.name)
        .sort(),
    ).toEqual(['a', 'b', 'c', 'd']);
    store.close();
  });

  it("finds a slave's recent messages through the index of heartbeats with a message", () => {
    const file = tempFile();
    const store = new Store(file);
    store.writeHeartbeats([
      { heartbeats: [...first, critical('a', t + 3, 'again'), ...later], now: t },
    ]);
    expect(store.recentMessages('a', 5)).toEqual([
      { at: t + 3, kind: 'critical', message: 'again' },
      { at: t + 2, kind: 'critical', message: 'cannot reach master' },
    ]);
    store.close();
    const db = new Database(file, { readonly: true });
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT at, kind, message FROM heartbeats
         WHERE slave = ? AND message IS NOT NULL AND message != '' ORDER BY at DESC LIMIT ?`,
      )
      .all('a', 5) as Array<{ detail: string }>;
    db.close();
    expect(plan.map((p) => p.detail).join('\n')).toContain('USING INDEX heartbeats_with_message');
  });

  it('gives the main thread a store that reads what the writer wrote and refuses to write itself', () => {
    const file = tempFile();
    const reads = openStoreReads(file);
    const writer = new Store(file);
    writer.writeHeartbeats([{ heartbeats: first, now: t }]);
    expect(reads.loadSlaves(50).slaves).toHaveLength(2);
    expect(reads.recentMessages('a', 5)).toHaveLength(1);
    // The type has no writes; the connection refuses them too.
    expect(() => (reads as Store).writeHeartbeats([{ heartbeats: later, now: t }])).toThrow(
      /readonly/,
    );
    expect(() => (reads as Store).setNeedsHands('a', t)).toThrow(/readonly/);
    writer.close();
    reads.close();
  });
});

describe('Store', () => {
  it('keeps "needs hands" across a restart; the next start clears it', () => {
    const file = tempFile();
    const t = Date.now() - 8 * 3600_000;
    let store = new Store(file);
    const first = applyHeartbeat(newRecord('s1'), start('s1', t), 50);
    store.writeHeartbeats([{ heartbeats: [start('s1', t)], now: t }]);
    store.writeSummaries([slaveUpdate(first)], 1);
    // Who rebooted it: the latest reboot action naming it, read back with the status.
    const reboot = (id: number, author: string, status: 'needs-hands' | 'back') => ({
      id,
      at: t,
      author,
      kind: 'reboot' as const,
      params: {},
      summary: `${author} rebooted 1 slave`,
      finishedAt: t + 1000,
      targets: [{ slave: 's1', status, error: null }],
    });
    store.saveAction(reboot(1, 'alice', 'back'));
    store.saveAction(reboot(2, 'bob', 'needs-hands'));
    store.setNeedsHands('s1', t + 1000);
    store.setNeedsHands('nobody', t); // no row: nothing to mark
    store.close();

    store = new Store(file);
    const [loaded] = store.loadSlaves(50).slaves;
    expect(loaded).toMatchObject({
      name: 's1',
      reboot: { phase: 'needs-hands', since: t + 1000, by: 'bob', actionId: 2 },
    });
    expect(store.loadSlaves(50).slaves).toHaveLength(1);
    // A start after it: the record loses its reboot status, and so does the row.
    const back = applyHeartbeat({ ...loaded!, inventory: null }, start('s1', t + 5000), 50);
    expect(back.reboot).toBeNull();
    store.writeHeartbeats([{ heartbeats: [start('s1', t + 5000)], now: t + 5000 }]);
    store.close();
    // Not checkpointed yet: the load replays the start, which ends the reboot.
    store = new Store(file);
    expect(store.loadSlaves(50).slaves[0]!.reboot).toBeNull();
    store.writeSummaries([slaveUpdate(back)], 2);
    store.close();
    store = new Store(file);
    expect(store.loadSlaves(50)).toMatchObject({ through: 2, replayed: [] });
    expect(store.loadSlaves(50).slaves[0]!.reboot).toBeNull();
    store.close();
  });

  it('adds the column to a database made before it existed', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'corral-store-'));
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE slaves (name TEXT PRIMARY KEY, pool TEXT, master TEXT,
      first_seen INTEGER, last_start INTEGER, last_critical_at INTEGER, last_critical_message TEXT,
      last_heartbeat_at INTEGER, last_heartbeat_kind TEXT, last_heartbeat_message TEXT) WITHOUT ROWID;
      INSERT INTO slaves (name, last_start) VALUES ('old-1', 1000);`);
    old.close();
    const store = new Store(file);
    expect(store.loadSlaves(50).slaves).toMatchObject([
      { name: 'old-1', lastStart: 1000, reboot: null },
    ]);
    store.setNeedsHands('old-1', 2000);
    // No reboot action names it (pruned): the status stays, its author unknown.
    expect(store.loadSlaves(50).slaves[0]!.reboot).toEqual({
      phase: 'needs-hands',
      since: 2000,
      by: 'unknown',
      actionId: 0,
    });
    store.close();
  });

  it('rebuilds the starts history of a database made before checkpoints, and drops its old index', () => {
    const file = tempFile('old.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE heartbeats (id INTEGER PRIMARY KEY, slave TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('start', 'critical')), at INTEGER NOT NULL,
        received_at INTEGER NOT NULL, master TEXT, pool TEXT, message TEXT);
      CREATE INDEX heartbeats_by_slave ON heartbeats (slave, kind, at);
      CREATE TABLE slaves (name TEXT PRIMARY KEY, pool TEXT, master TEXT,
        first_seen INTEGER, last_start INTEGER, last_critical_at INTEGER, last_critical_message TEXT,
        last_heartbeat_at INTEGER, last_heartbeat_kind TEXT, last_heartbeat_message TEXT,
        needs_hands_since INTEGER) WITHOUT ROWID;
      INSERT INTO heartbeats (slave, kind, at, received_at, pool) VALUES
        ('old-1', 'start', 1000, 1000, 'p'), ('old-1', 'start', 2000, 2000, 'p');
      INSERT INTO slaves (name, pool, first_seen, last_start, last_heartbeat_at, last_heartbeat_kind,
        needs_hands_since) VALUES ('old-1', 'p', 1000, 2000, 2000, 'start', 1500);`);
    old.close();
    const store = new Store(file);
    expect(store.loadSlaves(50)).toMatchObject({
      through: 2,
      replayed: ['old-1'],
      slaves: [{ name: 'old-1', pool: 'p', starts: [1000, 2000], lastStart: 2000, reboot: null }],
    });
    store.close();
    const db = new Database(file, { readonly: true });
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all();
    db.close();
    expect(indexes).not.toContainEqual({ name: 'heartbeats_by_slave' });
  });
});

const userVersion = (file: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
};

describe('Store: the file and its schema version', () => {
  it('creates a missing database whole, at the current schema version, with nothing left beside it', () => {
    const file = tempFile();
    const store = new Store(file);
    expect(store.opened).toMatchObject({ created: true, upgraded: null });
    store.close();
    expect(readdirSync(dir!)).toEqual(['c.db']);
    expect(statSync(file).size).toBeGreaterThan(0);
    expect(userVersion(file)).toBe(SCHEMA_VERSION);
    const again = new Store(file);
    expect(again.opened).toMatchObject({ created: false, upgraded: null });
    again.close();
  });

  it('upgrades a database made before schema versions, keeping its slaves, log and actions', () => {
    const file = tempFile('old.db');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(UNVERSIONED_SCHEMA);
    old.exec(`INSERT INTO heartbeats (slave, kind, at, received_at) VALUES
        ('old-1', 'start', 1000, 1000), ('old-2', 'start', 1500, 1500), ('old-1', 'start', 2000, 2000);
      INSERT INTO slaves (name, first_seen, last_start, last_heartbeat_at, last_heartbeat_kind, starts)
        VALUES ('old-1', 1000, 1000, 1000, 'start', '[1000]'), ('old-2', 1500, 1500, 1500, 'start', '[1500]');
      INSERT INTO summary_checkpoint (id, through) VALUES (1, 2);
      INSERT INTO actions (id, at, author, kind, params, summary) VALUES (7, 3000, 'jdoe', 'recheck', '{}', 'recheck 1');`);
    old.close();
    expect(userVersion(file)).toBe(0);

    const store = new Store(file);
    expect(store.opened).toMatchObject({
      created: false,
      upgraded: { from: 0, to: SCHEMA_VERSION },
    });
    const loaded = store.loadSlaves(50);
    expect(loaded).toMatchObject({ through: 3, replayed: ['old-1'], unreadable: [] });
    expect(byName(loaded.slaves).get('old-1')).toMatchObject({
      starts: [1000, 2000],
      lastStart: 2000,
    });
    expect(byName(loaded.slaves).get('old-2')).toMatchObject({ starts: [1500], lastStart: 1500 });
    expect(store.lastActionId()).toBe(7);
    store.close();
    expect(userVersion(file)).toBe(SCHEMA_VERSION);
    const again = new Store(file);
    expect(again.opened.upgraded).toBeNull();
    again.close();
  });

  it('refuses a database newer than this program, and leaves it as it is', () => {
    const file = tempFile();
    new Store(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new Store(file)).toThrow(
      new RegExp(
        `^the database ${file}: its schema version is ${SCHEMA_VERSION + 1}, newer than this corral's \\(${SCHEMA_VERSION}\\)`,
      ),
    );
    expect(() => new Store(file)).toThrow(DatabaseError);
    expect(userVersion(file)).toBe(SCHEMA_VERSION + 1);
  });

  it('refuses an empty (0-byte) file rather than starting empty on it', () => {
    const file = tempFile();
    writeFileSync(file, '');
    expect(() => new Store(file)).toThrow(
      `the database ${file} is empty (0 bytes), which corral never leaves`,
    );
    expect(statSync(file).size).toBe(0);
  });

  it('refuses a file with a zeroed page, naming the damage, when asked to check it', () => {
    const file = tempFile();
    const store = new Store(file);
    const t = Date.now();
    const many = Array.from({ length: 500 }, (_, i) => start(`s-${i}`, t));
    store.writeHeartbeats([{ heartbeats: many, now: t }]);
    store.writeSummaries([...folded(many).values()].map(slaveUpdate), 500);
    store.close();
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096), 0, 4096, 4096);
    closeSync(fd);
    expect(() => new Store(file, { check: true })).toThrow(
      new RegExp(`^the database ${file} is damaged \\([^\\n]+\\): restore a backup`),
    );
  });

  it('loads a slave whose starts history is damaged from the rest of its row and the log, and every other slave', () => {
    const file = tempFile();
    const store = new Store(file);
    const t = Date.now() - 3600_000;
    const beats = [start('a', t), start('a', t + 10), start('b', t + 20)];
    store.writeHeartbeats([{ heartbeats: beats, now: t }]);
    store.writeSummaries([...folded(beats).values()].map(slaveUpdate), 3);
    store.close();
    const db = new Database(file);
    db.prepare("UPDATE slaves SET starts = 'not json' WHERE name = 'a'").run();
    db.close();
    const again = new Store(file);
    const loaded = again.loadSlaves(50);
    again.close();
    expect(loaded).toMatchObject({ through: 3, replayed: [], unreadable: ['a'] });
    // Its history comes back from the log.
    expect(byName(loaded.slaves).get('a')).toMatchObject({
      lastStart: t + 10,
      starts: [t, t + 10],
    });
    expect(byName(loaded.slaves).get('b')).toMatchObject({ lastStart: t + 20, starts: [t + 20] });
  });
});

describe('inspectDatabase (for corral doctor): what would stop a start, changing nothing', () => {
  it('finds nothing wrong with a good database, or a missing one in a writable directory', () => {
    const file = tempFile();
    expect(inspectDatabase(file)).toBeNull();
    expect(readdirSync(dir!)).toEqual([]);
    new Store(file).close();
    expect(inspectDatabase(file)).toBeNull();
    expect(readdirSync(dir!)).toEqual(['c.db']);
  });

  it('names an empty file, a damaged one and a newer one, as the start would', () => {
    const file = tempFile();
    writeFileSync(file, '');
    expect(inspectDatabase(file)).toMatch(/is empty \(0 bytes\)/);
    rmSync(file);
    new Store(file).close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(inspectDatabase(file)).toMatch(/its schema version is 99, newer than this corral's/);
    writeFileSync(file, 'not a database '.repeat(500));
    expect(inspectDatabase(file)).toMatch(/is damaged \(file is not a database\)/);
  });

  it('leaves a database made before versions as it is (the start upgrades it)', () => {
    const file = tempFile('old.db');
    const old = new Database(file);
    old.exec(UNVERSIONED_SCHEMA);
    old.close();
    expect(inspectDatabase(file)).toBeNull();
    expect(userVersion(file)).toBe(0);
  });
});
