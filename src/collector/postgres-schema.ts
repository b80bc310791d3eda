// PostgreSQL's schema and its version (the `corral_schema` row): created or upgraded at start in one
// transaction under an advisory lock, so two collectors starting together never both migrate; a
// newer version is refused with SQLite's words (`versionProblem`). The same tables as SQLite's.
import type pg from 'pg';
import { SCHEMA_VERSION, versionProblem, SchemaError, type SchemaChange } from './schema.js';

/** The advisory lock key the migration holds (any fixed number; "corral" in ASCII). */
const MIGRATION_LOCK = 0x636f7272616c;

const TABLES = `
CREATE TABLE corral_schema (
  id integer PRIMARY KEY CHECK (id = 1),
  version integer NOT NULL
);
CREATE TABLE heartbeats (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slave text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('start', 'critical')),
  at bigint NOT NULL,
  received_at bigint NOT NULL,
  master text,
  pool text,
  message text
);
CREATE INDEX heartbeats_with_message ON heartbeats (slave, at)
  WHERE message IS NOT NULL AND message != '';
CREATE TABLE slaves (
  name text PRIMARY KEY,
  pool text,
  master text,
  first_seen bigint,
  last_start bigint,
  last_critical_at bigint,
  last_critical_message text,
  last_heartbeat_at bigint,
  last_heartbeat_kind text,
  last_heartbeat_message text,
  needs_hands_since bigint,
  starts text
);
CREATE TABLE summary_checkpoint (
  id integer PRIMARY KEY CHECK (id = 1),
  through bigint NOT NULL
);
-- Action ids come from here: two collectors on one database never pick the same.
CREATE SEQUENCE action_ids;
CREATE TABLE actions (
  id bigint PRIMARY KEY,
  at bigint NOT NULL,
  author text NOT NULL,
  kind text NOT NULL,
  params text NOT NULL,
  summary text NOT NULL,
  finished_at bigint,
  cancelled_by text
);
CREATE TABLE action_targets (
  action_id bigint NOT NULL REFERENCES actions (id),
  position integer NOT NULL,
  slave text NOT NULL,
  status text NOT NULL,
  error text,
  PRIMARY KEY (action_id, position)
);
CREATE INDEX action_targets_by_slave ON action_targets (slave, action_id);
CREATE TABLE reboot_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action_id bigint NOT NULL REFERENCES actions (id),
  slave text NOT NULL,
  method text NOT NULL,
  argv text NOT NULL,
  started_at bigint NOT NULL,
  duration_ms integer NOT NULL,
  exit_code integer,
  signal text,
  outcome text NOT NULL,
  output text NOT NULL,
  error text
);
CREATE INDEX reboot_attempts_by_action ON reboot_attempts (action_id, id);
`;

/**
 * Each upgrade takes a database from the version before it to `to`. PostgreSQL starts at 2 (the
 * schema SQLite reached by then, made whole by `TABLES`); later versions add an entry each, as
 * SQLite's `UPGRADES` do.
 */
const UPGRADES: ReadonlyArray<{ to: number; up: (client: pg.ClientBase) => Promise<void> }> = [
  {
    // Reboot chains stored (SQLite's version 6): a restart or the next owner resumes them.
    to: 6,
    async up(client) {
      await client.query(`
        CREATE TABLE IF NOT EXISTS reboot_chains (
          action_id bigint NOT NULL REFERENCES actions (id),
          slave text NOT NULL,
          begun_at bigint NOT NULL,
          method_index integer NOT NULL,
          method text NOT NULL,
          phase text NOT NULL
            CHECK (phase IN ('queued', 'running', 'waiting', 'back', 'needs-hands', 'cancelled')),
          since bigint NOT NULL,
          until bigint,
          command_ran integer NOT NULL CHECK (command_ran IN (0, 1)),
          tried text NOT NULL,
          PRIMARY KEY (action_id, slave)
        )`);
    },
  },
];

/** The version PostgreSQL's schema starts at: a new database gets `TABLES`, then the upgrades after it. */
const FIRST_VERSION = 2;

/** The version PostgreSQL's upgrades reach: it must be SQLite's `SCHEMA_VERSION` (a unit test checks). */
export const POSTGRES_SCHEMA_VERSION = UPGRADES.at(-1)?.to ?? FIRST_VERSION;

/**
 * Brings the database to `SCHEMA_VERSION` in one transaction under the migration lock; returns what
 * changed (`from` 0: created), or null. Throws SchemaError for a newer schema.
 */
export async function upgradePostgresSchema(client: pg.ClientBase): Promise<SchemaChange | null> {
  await client.query('BEGIN');
  try {
    // Held until COMMIT: a second collector waits here, then finds the work done.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    if (POSTGRES_SCHEMA_VERSION !== SCHEMA_VERSION) {
      // Never record a version whose tables were not made: an upgrade lacks its PostgreSQL twin.
      throw new SchemaError(
        `this corral's PostgreSQL schema stops at version ${POSTGRES_SCHEMA_VERSION}, below its SQLite schema's ${SCHEMA_VERSION}: it was built wrong; use SQLite or another build`,
      );
    }
    const version = await postgresSchemaVersion(client);
    const problem = versionProblem(version);
    if (problem !== null) throw new SchemaError(problem);
    if (version === SCHEMA_VERSION) {
      await client.query('COMMIT');
      return null;
    }
    if (version === 0) {
      await client.query(TABLES);
      await client.query('INSERT INTO corral_schema (id, version) VALUES (1, $1)', [FIRST_VERSION]);
    }
    for (const step of UPGRADES)
      if (step.to > Math.max(version, FIRST_VERSION)) await step.up(client);
    await client.query('UPDATE corral_schema SET version = $1 WHERE id = 1', [SCHEMA_VERSION]);
    await client.query('COMMIT');
    return { from: version, to: SCHEMA_VERSION };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** The stored version; 0 for a database corral has not written to. */
export async function postgresSchemaVersion(client: pg.ClientBase): Promise<number> {
  const table = await client.query<{ found: string | null }>(
    "SELECT to_regclass('corral_schema') AS found",
  );
  if (table.rows[0]?.found == null) return 0;
  const row = await client.query<{ version: number }>(
    'SELECT version FROM corral_schema WHERE id = 1',
  );
  return row.rows[0]?.version ?? 0;
}
