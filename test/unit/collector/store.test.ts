// The SQLite store on a real file: a slave that needs hands is still marked so after a restart,
// a new start clears it, and a database made before the column existed gets it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Store, slaveUpdate } from '../../../src/collector/store.js';
import type { Heartbeat } from '../../../src/domain/heartbeat.js';
import { applyHeartbeat, newRecord } from '../../../src/domain/slave-record.js';

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

describe('Store', () => {
  it('keeps "needs hands" across a restart; the next start clears it', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'corral-store-'));
    const file = path.join(dir, 'c.db');
    const t = Date.now() - 8 * 3600_000;
    let store = new Store(file);
    const first = applyHeartbeat(newRecord('s1'), start('s1', t), 50);
    store.writeBatch([start('s1', t)], [slaveUpdate(first)], t);
    store.setNeedsHands('s1', t + 1000);
    store.setNeedsHands('nobody', t); // no row: nothing to mark
    store.close();

    store = new Store(file);
    const [loaded] = store.loadSlaves(50);
    expect(loaded).toMatchObject({ name: 's1', reboot: { phase: 'needs-hands', since: t + 1000 } });
    expect(store.loadSlaves(50)).toHaveLength(1);
    // A start after it: the record loses its reboot status, and so does the row.
    const back = applyHeartbeat({ ...loaded!, inventory: null }, start('s1', t + 5000), 50);
    expect(back.reboot).toBeNull();
    store.writeBatch([start('s1', t + 5000)], [slaveUpdate(back)], t + 5000);
    store.close();
    store = new Store(file);
    expect(store.loadSlaves(50)[0]!.reboot).toBeNull();
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
    expect(store.loadSlaves(50)).toMatchObject([{ name: 'old-1', lastStart: 1000, reboot: null }]);
    store.setNeedsHands('old-1', 2000);
    expect(store.loadSlaves(50)[0]!.reboot).toEqual({ phase: 'needs-hands', since: 2000 });
    store.close();
  });
});
