// The until-back downtimes in the SQLite store (schema 4): a version 2 file gains the table, and the
// rows the watch keeps come back as written until forgotten.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../../src/collector/schema.js';
import { Store } from '../../../src/collector/store.js';
import type { UntilBackDowntime } from '../../../src/domain/until-back.js';

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const downtime = (slave: string, actionId: number): UntilBackDowntime => ({
  slave,
  actionId,
  author: 'alice',
  comment: 'waiting for hands',
  start: 1_790_000_000_000,
  fixed: true,
  since: 1_790_000_000_400,
});

it('a version 2 database gains the until_back table; rows are kept until forgotten', () => {
  dir = mkdtempSync(path.join(tmpdir(), 'corral-until-back-'));
  const file = path.join(dir, 'corral.db');
  new Store(file).close();
  // As the release before until-back left it.
  const old = new Database(file);
  old.exec('DROP TABLE until_back');
  old.pragma('user_version = 2');
  // The downtime actions the rows belong to.
  const action = old.prepare(
    "INSERT INTO actions (id, at, author, kind, params, summary) VALUES (?, 0, 'alice', 'downtime', '{}', '')",
  );
  for (const id of [7, 9]) action.run(id);
  old.close();

  const store = new Store(file);
  expect(store.opened.upgraded).toEqual({ from: 2, to: SCHEMA_VERSION });
  expect(store.listUntilBack()).toEqual([]);
  store.addUntilBack([downtime('s2', 7), downtime('s1', 7), downtime('s1', 9)]);
  // Added again (the same slave and action): one row.
  store.addUntilBack([downtime('s1', 9)]);
  store.removeUntilBack('s2', 7);
  store.close();

  const reopened = new Store(file);
  expect(reopened.listUntilBack()).toEqual([downtime('s1', 7), downtime('s1', 9)]);
  reopened.close();
});
