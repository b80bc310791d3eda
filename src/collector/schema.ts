// The database's schema and its version (`PRAGMA user_version`): a new file gets the current
// schema, an older one is upgraded in one transaction, a newer one is refused.
import type Database from 'better-sqlite3';

/** The schema this program writes. Raise it with a new entry in `UPGRADES`, never edit one. */
export const SCHEMA_VERSION = 6;

const TABLES = `
CREATE TABLE IF NOT EXISTS heartbeats (
  id INTEGER PRIMARY KEY,
  slave TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('start', 'critical')),
  at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  master TEXT,
  pool TEXT,
  message TEXT
);
-- Only heartbeats with a message (criticals, mostly): an index on every heartbeat would make
-- each commit write pages all over it.
CREATE INDEX IF NOT EXISTS heartbeats_with_message ON heartbeats (slave, at)
  WHERE message IS NOT NULL AND message != '';
CREATE TABLE IF NOT EXISTS slaves (
  name TEXT PRIMARY KEY,
  pool TEXT,
  master TEXT,
  first_seen INTEGER,
  last_start INTEGER,
  last_critical_at INTEGER,
  last_critical_message TEXT,
  last_heartbeat_at INTEGER,
  last_heartbeat_kind TEXT,
  last_heartbeat_message TEXT,
  needs_hands_since INTEGER,
  starts TEXT
) WITHOUT ROWID;
-- The slaves rows hold every heartbeat up to this id; later ones are replayed at load.
CREATE TABLE IF NOT EXISTS summary_checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  through INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS actions (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  author TEXT NOT NULL,
  kind TEXT NOT NULL,
  params TEXT NOT NULL,
  summary TEXT NOT NULL,
  finished_at INTEGER,
  cancelled_by TEXT
);
CREATE TABLE IF NOT EXISTS action_targets (
  action_id INTEGER NOT NULL REFERENCES actions (id),
  position INTEGER NOT NULL,
  slave TEXT NOT NULL,
  status TEXT NOT NULL,
  error TEXT,
  PRIMARY KEY (action_id, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS action_targets_by_slave ON action_targets (slave, action_id);
CREATE TABLE IF NOT EXISTS reboot_attempts (
  id INTEGER PRIMARY KEY,
  action_id INTEGER NOT NULL REFERENCES actions (id),
  slave TEXT NOT NULL,
  method TEXT NOT NULL,
  argv TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  exit_code INTEGER,
  signal TEXT,
  outcome TEXT NOT NULL,
  output TEXT NOT NULL,
  error TEXT
);
CREATE INDEX IF NOT EXISTS reboot_attempts_by_action ON reboot_attempts (action_id, id);
`;

/** One row per slave of a reboot action under way; `command_ran` is committed before the command starts. */
export const REBOOT_CHAINS = `
CREATE TABLE IF NOT EXISTS reboot_chains (
  action_id INTEGER NOT NULL REFERENCES actions (id),
  slave TEXT NOT NULL,
  begun_at INTEGER NOT NULL,
  method_index INTEGER NOT NULL,
  method TEXT NOT NULL,
  phase TEXT NOT NULL
    CHECK (phase IN ('queued', 'running', 'waiting', 'back', 'needs-hands', 'cancelled')),
  since INTEGER NOT NULL,
  until INTEGER,
  command_ran INTEGER NOT NULL CHECK (command_ran IN (0, 1)),
  tried TEXT NOT NULL,
  PRIMARY KEY (action_id, slave)
) WITHOUT ROWID;
`;

/** Each upgrade takes a database from the version before it to `to`. */
const UPGRADES: ReadonlyArray<{ to: number; up: (db: Database.Database) => void }> = [
  {
    // Databases from before versions (user_version 0) come in several shapes: the tables are
    // created if missing and the columns added since the first release are added.
    to: 1,
    up(db) {
      const columns = new Set(
        (db.prepare('PRAGMA table_info(slaves)').all() as Array<{ name: string }>).map(
          (c) => c.name,
        ),
      );
      if (columns.size > 0 && !columns.has('needs_hands_since')) {
        db.exec('ALTER TABLE slaves ADD COLUMN needs_hands_since INTEGER');
      }
      // Rows written before checkpoints lack the starts history; no checkpoint is recorded
      // then, so the first load replays the whole log into them (a heartbeat applied twice
      // changes nothing).
      if (columns.size > 0 && !columns.has('starts')) {
        db.exec('ALTER TABLE slaves ADD COLUMN starts TEXT');
      }
      db.exec('DROP INDEX IF EXISTS heartbeats_by_slave');
      db.exec(TABLES);
    },
  },
  {
    // Who cancelled a reboot (an operator's cancel-reboot), so others see whose it was.
    to: 2,
    up(db) {
      const columns = (
        db.prepare('PRAGMA table_info(actions)').all() as Array<{ name: string }>
      ).map((c) => c.name);
      if (!columns.includes('cancelled_by')) {
        db.exec('ALTER TABLE actions ADD COLUMN cancelled_by TEXT');
      }
    },
  },
  {
    // Reboot chains stored, not only in memory: a restart, or the collector taking over, resumes
    // each from its recorded step (a row per action and slave, removed when the action finishes).
    to: 6,
    up(db) {
      db.exec(REBOOT_CHAINS);
    },
  },
];

/** A database this program cannot use as it is; the message is written for the operator. */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
}

/** What `upgradeSchema` did: from the version the file had (0: before versions) to this one. */
export interface SchemaChange {
  from: number;
  to: number;
}

/**
 * Brings the database to `SCHEMA_VERSION` in one immediate transaction (two connections may open
 * the file at once; the second finds nothing to do). Returns what changed, or null.
 */
export function upgradeSchema(db: Database.Database): SchemaChange | null {
  return db
    .transaction((): SchemaChange | null => {
      const version = schemaVersion(db);
      const problem = versionProblem(version);
      if (problem !== null) throw new SchemaError(problem);
      if (version === SCHEMA_VERSION) return null;
      for (const step of UPGRADES) if (step.to > version) step.up(db);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return { from: version, to: SCHEMA_VERSION };
    })
    .immediate();
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Why this program cannot use a database of that version, or null: only newer ones are refused. */
export function versionProblem(version: number): string | null {
  return version > SCHEMA_VERSION
    ? `its schema version is ${version}, newer than this corral's (${SCHEMA_VERSION}): a newer corral wrote it; run that version, or restore a backup made before the upgrade (docs/backup.md)`
    : null;
}
