// The schema as corral wrote it before schema versions (user_version 0), as of commit d437ed6:
// tests build "a database made by the old code" from it.
export const UNVERSIONED_SCHEMA = `
CREATE TABLE heartbeats (id INTEGER PRIMARY KEY, slave TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('start', 'critical')), at INTEGER NOT NULL,
  received_at INTEGER NOT NULL, master TEXT, pool TEXT, message TEXT);
CREATE INDEX heartbeats_with_message ON heartbeats (slave, at)
  WHERE message IS NOT NULL AND message != '';
CREATE TABLE slaves (name TEXT PRIMARY KEY, pool TEXT, master TEXT, first_seen INTEGER,
  last_start INTEGER, last_critical_at INTEGER, last_critical_message TEXT,
  last_heartbeat_at INTEGER, last_heartbeat_kind TEXT, last_heartbeat_message TEXT,
  needs_hands_since INTEGER, starts TEXT) WITHOUT ROWID;
CREATE TABLE summary_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), through INTEGER NOT NULL);
CREATE TABLE actions (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, author TEXT NOT NULL,
  kind TEXT NOT NULL, params TEXT NOT NULL, summary TEXT NOT NULL, finished_at INTEGER);
CREATE TABLE action_targets (action_id INTEGER NOT NULL REFERENCES actions (id),
  position INTEGER NOT NULL, slave TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
  PRIMARY KEY (action_id, position)) WITHOUT ROWID;
CREATE INDEX action_targets_by_slave ON action_targets (slave, action_id);
CREATE TABLE reboot_attempts (id INTEGER PRIMARY KEY, action_id INTEGER NOT NULL REFERENCES actions (id),
  slave TEXT NOT NULL, method TEXT NOT NULL, argv TEXT NOT NULL, started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL, exit_code INTEGER, signal TEXT, outcome TEXT NOT NULL,
  output TEXT NOT NULL, error TEXT);
CREATE INDEX reboot_attempts_by_action ON reboot_attempts (action_id, id);
`;
