// The SQLite store (WAL, synchronous=FULL): the heartbeat log, appended in group commits, and each
// slave's summary, checkpointed from memory now and then and rebuilt at load from the log's tail.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Heartbeat, HeartbeatKind } from '../domain/heartbeat.js';
import type {
  ActionKind,
  ActionTargetView,
  RebootAttemptView,
  ResolvedParams,
} from '../domain/protocol.js';
import { applyHeartbeat, newRecord, type SlaveRecord } from '../domain/slave-record.js';

const SCHEMA = `
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
  finished_at INTEGER
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

export interface StoredMessage {
  at: number;
  kind: HeartbeatKind;
  message: string;
}

/** Heartbeats and when the collector received them (epoch ms). */
export interface ReceivedHeartbeats {
  heartbeats: readonly Heartbeat[];
  now: number;
}

/** The fleet as the database holds it: every slave ever heard from, its summary up to date. */
export interface LoadedSlaves {
  slaves: SlaveRecord[];
  /** The last heartbeat id folded into `slaves`. */
  through: number;
  /** Slaves whose rows lacked heartbeats from the log's tail: the next checkpoint writes them. */
  replayed: string[];
}

export class Store {
  private readonly db: Database.Database;
  private readonly writeHeartbeatsTx: (batches: readonly ReceivedHeartbeats[]) => number;
  private readonly writeSummariesTx: (slaves: SlaveUpdate[], through: number | null) => void;
  private readonly saveActionTx: (a: StoredAction) => void;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a 202 promises the heartbeat survives a power cut, not only a crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.migrate();
    // One statement for many rows costs far less than one per row: heartbeats and slave rows go
    // in chunks, each chunk size prepared once.
    const heartbeatRows = rowsStatement(
      this.db,
      (values) =>
        `INSERT INTO heartbeats (slave, kind, at, received_at, master, pool, message) VALUES ${values}`,
      7,
    );
    const slaveRows = rowsStatement(
      this.db,
      (values) =>
        `INSERT INTO slaves (name, pool, master, first_seen, last_start, last_critical_at,
           last_critical_message, last_heartbeat_at, last_heartbeat_kind, last_heartbeat_message,
           needs_hands_since, starts)
         VALUES ${values}
         ON CONFLICT (name) DO UPDATE SET pool = excluded.pool, master = excluded.master,
           first_seen = excluded.first_seen, last_start = excluded.last_start,
           last_critical_at = excluded.last_critical_at,
           last_critical_message = excluded.last_critical_message,
           last_heartbeat_at = excluded.last_heartbeat_at,
           last_heartbeat_kind = excluded.last_heartbeat_kind,
           last_heartbeat_message = excluded.last_heartbeat_message,
           needs_hands_since = excluded.needs_hands_since, starts = excluded.starts`,
      12,
    );
    const setThrough = this.db.prepare(
      `INSERT INTO summary_checkpoint (id, through) VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET through = excluded.through`,
    );
    this.writeHeartbeatsTx = this.db.transaction((batches: readonly ReceivedHeartbeats[]) =>
      heartbeatRows(
        batches.flatMap(({ heartbeats, now }) =>
          heartbeats.map((h) => [h.slave, h.kind, h.at, now, h.master, h.pool, h.message]),
        ),
      ),
    );
    this.writeSummariesTx = this.db.transaction((slaves: SlaveUpdate[], through: number | null) => {
      slaveRows(
        slaves.map((s) => [
          s.name,
          s.pool,
          s.master,
          s.firstSeen,
          s.lastStart,
          s.lastCriticalAt,
          s.lastCriticalMessage,
          s.lastHeartbeatAt,
          s.lastHeartbeatKind,
          s.lastHeartbeatMessage,
          s.needsHandsSince,
          JSON.stringify(s.starts),
        ]),
      );
      if (through !== null) setThrough.run(through);
    });
    const upsertAction = this.db.prepare(
      `INSERT INTO actions (id, at, author, kind, params, summary, finished_at)
       VALUES (@id, @at, @author, @kind, @params, @summary, @finishedAt)
       ON CONFLICT (id) DO UPDATE SET finished_at = excluded.finished_at`,
    );
    const upsertTarget = this.db.prepare(
      `INSERT INTO action_targets (action_id, position, slave, status, error) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (action_id, position) DO UPDATE SET status = excluded.status, error = excluded.error`,
    );
    this.saveActionTx = this.db.transaction((a: StoredAction) => {
      const { targets: _targets, ...row } = a;
      upsertAction.run({ ...row, params: JSON.stringify(a.params) });
      a.targets.forEach((t, i) => upsertTarget.run(a.id, i, t.slave, t.status, t.error));
    });
  }

  /** Records an action and its targets as they stand now (called again as they progress). */
  saveAction(a: StoredAction): void {
    this.saveActionTx(a);
  }

  /** Marks a slave that has a row as needing hands since `since`, or not (null). */
  setNeedsHands(slave: string, since: number | null): void {
    this.db.prepare('UPDATE slaves SET needs_hands_since = ? WHERE name = ?').run(since, slave);
  }

  /** Records one reboot command run for an action (the audit log's attempt). */
  saveAttempt(actionId: number, a: RebootAttemptView): void {
    this.db
      .prepare(
        `INSERT INTO reboot_attempts (action_id, slave, method, argv, started_at, duration_ms,
           exit_code, signal, outcome, output, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        actionId,
        a.slave,
        a.method,
        JSON.stringify(a.argv),
        Date.parse(a.startedAt),
        Math.round(a.durationMs),
        a.exitCode,
        a.signal,
        a.outcome,
        JSON.stringify({ head: a.head, tail: a.tail, omittedLines: a.omittedLines }),
        a.error,
      );
  }

  /** An action's reboot commands, in the order they ended. */
  listAttempts(actionId: number): RebootAttemptView[] {
    const rows = this.db
      .prepare('SELECT * FROM reboot_attempts WHERE action_id = ? ORDER BY id')
      .all(actionId) as AttemptRow[];
    return rows.map((r) => {
      const output = JSON.parse(r.output) as Pick<
        RebootAttemptView,
        'head' | 'tail' | 'omittedLines'
      >;
      return {
        slave: r.slave,
        method: r.method,
        argv: JSON.parse(r.argv) as string[],
        startedAt: new Date(r.started_at).toISOString(),
        durationMs: r.duration_ms,
        exitCode: r.exit_code,
        signal: r.signal,
        outcome: r.outcome as RebootAttemptView['outcome'],
        ...output,
        error: r.error,
      };
    });
  }

  /** The highest action id so far: the main thread numbers new actions from it. */
  lastActionId(): number {
    return (
      (this.db.prepare('SELECT max(id) AS id FROM actions').get() as { id: number | null }).id ?? 0
    );
  }

  /** The audit log, newest first. */
  listActions(limit: number, slave?: string): StoredAction[] {
    const rows = (
      slave === undefined
        ? this.db.prepare('SELECT * FROM actions ORDER BY id DESC LIMIT ?').all(limit)
        : this.db
            .prepare(
              `SELECT a.* FROM actions a JOIN action_targets t ON t.action_id = a.id
               WHERE t.slave = ? ORDER BY a.id DESC LIMIT ?`,
            )
            .all(slave, limit)
    ) as ActionRow[];
    return this.withTargets(rows);
  }

  getAction(id: number): StoredAction | undefined {
    const rows = this.db.prepare('SELECT * FROM actions WHERE id = ?').all(id) as ActionRow[];
    return this.withTargets(rows)[0];
  }

  private withTargets(rows: ActionRow[]): StoredAction[] {
    const targets = this.db.prepare(
      'SELECT slave, status, error FROM action_targets WHERE action_id = ? ORDER BY position',
    );
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      author: r.author,
      kind: r.kind as ActionKind,
      params: JSON.parse(r.params) as ResolvedParams,
      summary: r.summary,
      finishedAt: r.finished_at,
      targets: targets.all(r.id) as ActionTargetView[],
    }));
  }

  /**
   * Appends batches of heartbeats to the log in one transaction (one fsync for the lot); returns
   * the id of the last. Only the log is written here: the slaves' rows follow in `writeSummaries`.
   */
  writeHeartbeats(batches: readonly ReceivedHeartbeats[]): number {
    return this.writeHeartbeatsTx(batches);
  }

  /**
   * Checkpoints slaves' summaries; with `through`, records that every row now holds every
   * heartbeat up to that id (a checkpoint written in several parts gives it with the last).
   */
  writeSummaries(slaves: SlaveUpdate[], through: number | null): void {
    this.writeSummariesTx(slaves, through);
  }

  /** The slaves' rows as checkpointed, brought up to date by replaying the log's tail. */
  loadSlaves(startsPerSlave: number): LoadedSlaves {
    const records = new Map<string, SlaveRecord>();
    for (const row of this.db.prepare('SELECT * FROM slaves').iterate() as Iterable<SlaveRow>) {
      records.set(row.name, fromRow(row, startsPerSlave));
    }
    let through = this.checkpointedThrough();
    const replayed = new Set<string>();
    const tail = this.db.prepare(
      'SELECT id, slave, kind, at, master, pool, message FROM heartbeats WHERE id > ? ORDER BY id',
    );
    for (const h of tail.iterate(through) as Iterable<HeartbeatRow>) {
      const current = records.get(h.slave) ?? newRecord(h.slave);
      records.set(h.slave, applyHeartbeat(current, fromHeartbeatRow(h), startsPerSlave));
      replayed.add(h.slave);
      through = h.id;
    }
    return { slaves: [...records.values()], through, replayed: [...replayed] };
  }

  private checkpointedThrough(): number {
    const row = this.db.prepare('SELECT through FROM summary_checkpoint WHERE id = 1').get() as
      { through: number } | undefined;
    return row?.through ?? 0;
  }

  /**
   * Brings a database made by an earlier version up to this one's schema. Two connections open
   * the file at start (the main thread's and the writer's), so it runs as one immediate
   * transaction and looks before it changes anything.
   */
  private migrate(): void {
    this.db
      .transaction(() => {
        const columns = new Set(
          (this.db.prepare('PRAGMA table_info(slaves)').all() as Array<{ name: string }>).map(
            (c) => c.name,
          ),
        );
        if (!columns.has('needs_hands_since')) {
          this.db.exec('ALTER TABLE slaves ADD COLUMN needs_hands_since INTEGER');
        }
        // Rows written before checkpoints lack the starts history; no checkpoint is recorded
        // then, so the first load replays the whole log into them (a heartbeat applied twice
        // changes nothing).
        if (!columns.has('starts')) this.db.exec('ALTER TABLE slaves ADD COLUMN starts TEXT');
        this.db.exec('DROP INDEX IF EXISTS heartbeats_by_slave');
      })
      .immediate();
  }

  /** The slave's most recent heartbeats that carried a message, newest first. */
  recentMessages(slave: string, limit: number): StoredMessage[] {
    return this.db
      .prepare(
        `SELECT at, kind, message FROM heartbeats
         WHERE slave = ? AND message IS NOT NULL AND message != ''
         ORDER BY at DESC LIMIT ?`,
      )
      .all(slave, limit) as StoredMessage[];
  }

  countHeartbeats(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM heartbeats').get() as { n: number }).n;
  }

  /**
   * Drops heartbeats received before the cutoff; the slave summaries keep what matters. It keeps
   * the tail no checkpoint holds yet (a load replays it) and the newest row, so that ids, which
   * SQLite numbers from the largest, never go back below the checkpoint.
   */
  prune(receivedBefore: number): number {
    // No index on received_at: it would cost every insert; an hourly scan in the writer thread is cheap.
    return this.db
      .prepare(
        `DELETE FROM heartbeats WHERE received_at < ?
           AND id <= (SELECT coalesce(max(through), 0) FROM summary_checkpoint)
           AND id < (SELECT max(id) FROM heartbeats)`,
      )
      .run(receivedBefore).changes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Rows per statement at most (SQLite allows 32,766 parameters; 64 × 10 is well within). */
const ROWS_PER_STATEMENT = 64;

/**
 * Runs `sql` for many rows, `ROWS_PER_STATEMENT` at a time; `columns` values a row. Statements
 * are prepared once per chunk size. Returns the last row's id.
 */
function rowsStatement(
  db: Database.Database,
  sql: (values: string) => string,
  columns: number,
): (rows: unknown[][]) => number {
  const prepared = new Map<number, Database.Statement>();
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  const statement = (n: number) => {
    let s = prepared.get(n);
    if (!s) {
      s = db.prepare(sql(Array.from({ length: n }, () => row).join(', ')));
      prepared.set(n, s);
    }
    return s;
  };
  return (rows) => {
    let lastId = 0;
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
      lastId = Number(statement(chunk.length).run(chunk.flat()).lastInsertRowid);
    }
    return lastId;
  };
}

/** An action as the store keeps it; times are epoch ms. */
export interface StoredAction {
  id: number;
  at: number;
  author: string;
  kind: ActionKind;
  params: ResolvedParams;
  summary: string;
  finishedAt: number | null;
  targets: ActionTargetView[];
}

interface ActionRow {
  id: number;
  at: number;
  author: string;
  kind: string;
  params: string;
  summary: string;
  finished_at: number | null;
}

interface AttemptRow {
  slave: string;
  method: string;
  argv: string;
  started_at: number;
  duration_ms: number;
  exit_code: number | null;
  signal: string | null;
  outcome: string;
  output: string;
  error: string | null;
}

interface SlaveRow {
  name: string;
  pool: string | null;
  master: string | null;
  first_seen: number | null;
  last_start: number | null;
  last_critical_at: number | null;
  last_critical_message: string | null;
  last_heartbeat_at: number | null;
  last_heartbeat_kind: string | null;
  last_heartbeat_message: string | null;
  needs_hands_since: number | null;
  starts: string | null;
}

interface HeartbeatRow {
  id: number;
  slave: string;
  kind: HeartbeatKind;
  at: number;
  master: string | null;
  pool: string | null;
  message: string | null;
}

function fromRow(r: SlaveRow, startsPerSlave: number): SlaveRecord {
  return {
    name: r.name,
    pool: r.pool,
    master: r.master,
    firstSeen: r.first_seen,
    lastStart: r.last_start,
    lastCritical:
      r.last_critical_at === null
        ? null
        : { at: r.last_critical_at, message: r.last_critical_message },
    lastHeartbeat:
      r.last_heartbeat_at === null
        ? null
        : {
            at: r.last_heartbeat_at,
            kind: r.last_heartbeat_kind as HeartbeatKind,
            message: r.last_heartbeat_message,
          },
    starts: r.starts === null ? [] : (JSON.parse(r.starts) as number[]).slice(-startsPerSlave),
    inventory: null,
    reboot:
      r.needs_hands_since === null ? null : { phase: 'needs-hands', since: r.needs_hands_since },
  };
}

function fromHeartbeatRow(h: HeartbeatRow): Heartbeat {
  return {
    slave: h.slave,
    kind: h.kind,
    at: h.at,
    master: h.master,
    pool: h.pool,
    message: h.message,
  };
}

/** A slave's summary row as checkpointed: flat, so it is cheap to hand to the writer thread. */
export type SlaveUpdate = ReturnType<typeof slaveUpdate>;

export function slaveUpdate(s: SlaveRecord) {
  return {
    name: s.name,
    pool: s.pool,
    master: s.master,
    firstSeen: s.firstSeen,
    lastStart: s.lastStart,
    lastCriticalAt: s.lastCritical?.at ?? null,
    lastCriticalMessage: s.lastCritical?.message ?? null,
    lastHeartbeatAt: s.lastHeartbeat?.at ?? null,
    lastHeartbeatKind: s.lastHeartbeat?.kind ?? null,
    lastHeartbeatMessage: s.lastHeartbeat?.message ?? null,
    // Kept across restarts: a slave that needs a person still does. A chain still rebooting is
    // not (nothing runs it after a restart).
    needsHandsSince: s.reboot?.phase === 'needs-hands' ? s.reboot.since : null,
    starts: s.starts,
  };
}
