// The SQLite store (WAL, synchronous=FULL): the heartbeat log, appended in group commits, and each
// slave's summary, checkpointed from memory now and then and rebuilt at load from the log's tail.
import type Database from 'better-sqlite3';
import type { Heartbeat, HeartbeatKind } from '../domain/heartbeat.js';
import type {
  ActionKind,
  ActionTargetView,
  RebootAttemptView,
  ResolvedParams,
} from '../domain/protocol.js';
import { applyHeartbeat, newRecord, type SlaveRecord } from '../domain/slave-record.js';
import type { RecordedChain } from '../reboot/resume.js';
import { explainDatabaseError, openDatabase, type OpenedDatabase } from './database-file.js';

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
  /** Slaves whose stored starts history was unreadable (taken from the log; rewrite their rows). */
  unreadable: string[];
}

/** The main thread's view of the store: reads only, as every write belongs to the writer thread. */
export interface StoreReads {
  readonly opened: Omit<OpenedDatabase, 'db'>;
  loadSlaves(startsPerSlave: number): LoadedSlaves;
  recentMessages(slave: string, limit: number): StoredMessage[];
  listActions(limit: number, slave?: string): StoredAction[];
  getAction(id: number): StoredAction | undefined;
  listAttempts(actionId: number): RebootAttemptView[];
  lastActionId(): number;
  /** Every reboot chain of an action not yet finished, as last recorded. */
  rebootChains(): RecordedChain[];
  close(): void;
}

/**
 * The store for the main thread: the file checked and its schema brought up to date, then the
 * connection refuses writes (`query_only`), so nothing here can write behind the writer's back.
 */
export function openStoreReads(file: string): StoreReads {
  const store = new Store(file, { check: true });
  store.refuseWrites();
  return store;
}

type ReadStatements = ReturnType<typeof prepareReads>;

/** Every read, prepared once per connection. */
function prepareReads(db: Database.Database) {
  return {
    messages: db.prepare(
      `SELECT at, kind, message FROM heartbeats
       WHERE slave = ? AND message IS NOT NULL AND message != ''
       ORDER BY at DESC LIMIT ?`,
    ),
    actions: db.prepare('SELECT * FROM actions ORDER BY id DESC LIMIT ?'),
    actionsOf: db.prepare(
      `SELECT a.* FROM actions a JOIN action_targets t ON t.action_id = a.id
       WHERE t.slave = ? ORDER BY a.id DESC LIMIT ?`,
    ),
    action: db.prepare('SELECT * FROM actions WHERE id = ?'),
    targets: db.prepare(
      'SELECT slave, status, error FROM action_targets WHERE action_id = ? ORDER BY position',
    ),
    attempts: db.prepare('SELECT * FROM reboot_attempts WHERE action_id = ? ORDER BY id'),
    lastActionId: db.prepare('SELECT max(id) AS id FROM actions'),
    chains: db.prepare('SELECT * FROM reboot_chains ORDER BY action_id, slave'),
  };
}

export class Store implements StoreReads {
  private readonly db: Database.Database;
  private readonly reads: ReadStatements;
  private readonly writeHeartbeatsTx: (batches: readonly ReceivedHeartbeats[]) => number;
  private readonly writeSummariesTx: (slaves: SlaveUpdate[], through: number | null) => void;
  private readonly saveActionTx: (a: StoredAction) => void;

  /** What opening did: schema created or upgraded, integrity check time. */
  readonly opened: Omit<OpenedDatabase, 'db'>;

  /**
   * Opens (creating or upgrading) the database; throws a DatabaseError the operator can act on.
   * `check` reads every page first: the collector's first connection does, the writer's not.
   */
  constructor(
    private readonly file: string,
    options: { check?: boolean } = {},
  ) {
    const { db, ...opened } = openDatabase(file, options);
    this.db = db;
    this.opened = opened;
    this.reads = prepareReads(db);
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
      `INSERT INTO actions (id, at, author, kind, params, summary, finished_at, cancelled_by)
       VALUES (@id, @at, @author, @kind, @params, @summary, @finishedAt, @cancelledBy)
       ON CONFLICT (id) DO UPDATE SET finished_at = excluded.finished_at,
         cancelled_by = excluded.cancelled_by`,
    );
    const upsertTarget = this.db.prepare(
      `INSERT INTO action_targets (action_id, position, slave, status, error) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (action_id, position) DO UPDATE SET status = excluded.status, error = excluded.error`,
    );
    this.saveActionTx = this.db.transaction((a: StoredAction) => {
      const { targets: _targets, ...row } = a;
      upsertAction.run({
        ...row,
        params: JSON.stringify(a.params),
        cancelledBy: a.cancelledBy ?? null,
      });
      a.targets.forEach((t, i) => upsertTarget.run(a.id, i, t.slave, t.status, t.error));
    });
  }

  /** From now on this connection only reads (SQLite refuses its writes). */
  refuseWrites(): void {
    this.db.pragma('query_only = ON');
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
    return (this.reads.attempts.all(actionId) as AttemptRow[]).map(attemptFromRow);
  }

  /** Records where a reboot chain stands (replacing its last record). */
  saveChain(c: RecordedChain): void {
    this.db
      .prepare(
        `INSERT INTO reboot_chains (action_id, slave, begun_at, method_index, method, phase, since,
           until, command_ran, tried)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (action_id, slave) DO UPDATE SET method_index = excluded.method_index,
           method = excluded.method, phase = excluded.phase, since = excluded.since,
           until = excluded.until, command_ran = excluded.command_ran, tried = excluded.tried`,
      )
      .run(
        c.actionId,
        c.slave,
        c.begunAt,
        c.index,
        c.method,
        c.phase,
        c.since,
        c.until,
        c.commandRan ? 1 : 0,
        JSON.stringify(c.tried),
      );
  }

  /** Forgets the chains of a finished reboot action. */
  dropChains(actionId: number): void {
    this.db.prepare('DELETE FROM reboot_chains WHERE action_id = ?').run(actionId);
  }

  rebootChains(): RecordedChain[] {
    return (this.reads.chains.all() as ChainRow[]).map(chainOfRow);
  }

  /** The highest action id so far: the main thread numbers new actions from it. */
  lastActionId(): number {
    return (this.reads.lastActionId.get() as { id: number | null }).id ?? 0;
  }

  /** The audit log, newest first. */
  listActions(limit: number, slave?: string): StoredAction[] {
    const rows = (
      slave === undefined ? this.reads.actions.all(limit) : this.reads.actionsOf.all(slave, limit)
    ) as ActionRow[];
    return this.withTargets(rows);
  }

  getAction(id: number): StoredAction | undefined {
    const rows = this.reads.action.all(id) as ActionRow[];
    return this.withTargets(rows)[0];
  }

  private withTargets(rows: ActionRow[]): StoredAction[] {
    const targets = this.reads.targets;
    return rows.map((r) => actionFromRow(r, targets.all(r.id) as ActionTargetView[]));
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

  /**
   * The slaves' rows as checkpointed, brought up to date by replaying the log's tail. A row whose
   * starts history cannot be read keeps the rest (its last start is what matters), takes its starts
   * from the log, and is rewritten by the next checkpoint: refusing the whole database for one
   * slave's history would stop watching the farm over a chart.
   */
  loadSlaves(startsPerSlave: number): LoadedSlaves {
    try {
      return this.readSlaves(startsPerSlave);
    } catch (err) {
      throw explainDatabaseError(this.file, err);
    }
  }

  private readSlaves(startsPerSlave: number): LoadedSlaves {
    const records = new Map<string, SlaveRecord>();
    const unreadable: string[] = [];
    // A slave that needs hands is shown with who rebooted it: its latest reboot action.
    const rows = this.db.prepare(
      `SELECT s.*, o.author AS reboot_by, o.id AS reboot_action FROM slaves s
       LEFT JOIN actions o ON o.id = CASE WHEN s.needs_hands_since IS NULL THEN NULL ELSE
         (SELECT MAX(t.action_id) FROM action_targets t JOIN actions a ON a.id = t.action_id
          WHERE t.slave = s.name AND a.kind = 'reboot') END`,
    );
    for (const row of rows.iterate() as Iterable<SlaveRow>) {
      const starts = startsOf(row.starts);
      if (starts === null) unreadable.push(row.name);
      records.set(row.name, slaveFromRow(row, (starts ?? []).slice(-startsPerSlave)));
    }
    let through = this.checkpointedThrough();
    for (const name of unreadable) {
      const record = records.get(name)!;
      records.set(name, { ...record, starts: this.startsInLog(name, through, startsPerSlave) });
    }
    const replayed = new Set<string>();
    const tail = this.db.prepare(
      'SELECT id, slave, kind, at, master, pool, message FROM heartbeats WHERE id > ? ORDER BY id',
    );
    for (const h of tail.iterate(through) as Iterable<HeartbeatRow>) {
      const current = records.get(h.slave) ?? newRecord(h.slave);
      records.set(h.slave, applyHeartbeat(current, heartbeatFromRow(h), startsPerSlave));
      replayed.add(h.slave);
      through = h.id;
    }
    return { slaves: [...records.values()], through, replayed: [...replayed], unreadable };
  }

  /** A slave's starts as the log still holds them (pruning keeps `history.retention`). */
  private startsInLog(slave: string, through: number, startsPerSlave: number): number[] {
    // No index on slave (it would cost every insert): one scan, only for a damaged row.
    const rows = this.db
      .prepare(
        `SELECT DISTINCT at FROM heartbeats WHERE slave = ? AND kind = 'start' AND id <= ?
         ORDER BY at DESC LIMIT ?`,
      )
      .pluck()
      .all(slave, through, startsPerSlave) as number[];
    return rows.reverse();
  }

  private checkpointedThrough(): number {
    const row = this.db.prepare('SELECT through FROM summary_checkpoint WHERE id = 1').get() as
      { through: number } | undefined;
    return row?.through ?? 0;
  }

  /** The slave's most recent heartbeats that carried a message, newest first. */
  recentMessages(slave: string, limit: number): StoredMessage[] {
    return this.reads.messages.all(slave, limit) as StoredMessage[];
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

/** Rows per statement at most (SQLite allows 32,766 parameters; 64 × 12 columns is well within). */
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
  /** The operator whose cancel-reboot stopped this reboot. */
  cancelledBy?: string | null;
}

/** An action's row (either engine) with its targets, as the store hands it out. */
export function actionFromRow(r: ActionRow, targets: ActionTargetView[]): StoredAction {
  return {
    id: r.id,
    at: r.at,
    author: r.author,
    kind: r.kind as ActionKind,
    params: JSON.parse(r.params) as ResolvedParams,
    summary: r.summary,
    finishedAt: r.finished_at,
    cancelledBy: r.cancelled_by,
    targets,
  };
}

/** A reboot attempt's row (either engine) as the audit log shows it. */
export function attemptFromRow(r: AttemptRow): RebootAttemptView {
  const output = JSON.parse(r.output) as Pick<RebootAttemptView, 'head' | 'tail' | 'omittedLines'>;
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
}

export interface ActionRow {
  id: number;
  at: number;
  author: string;
  kind: string;
  params: string;
  summary: string;
  finished_at: number | null;
  cancelled_by: string | null;
}

export interface ChainRow {
  action_id: number;
  slave: string;
  begun_at: number;
  method_index: number;
  method: string;
  phase: string;
  since: number;
  until: number | null;
  command_ran: number;
  tried: string;
}

/** A reboot_chains row as the chain it records. */
export function chainOfRow(r: ChainRow): RecordedChain {
  return {
    actionId: Number(r.action_id),
    slave: r.slave,
    begunAt: Number(r.begun_at),
    index: r.method_index,
    method: r.method,
    phase: r.phase as RecordedChain['phase'],
    since: Number(r.since),
    until: r.until === null ? null : Number(r.until),
    commandRan: r.command_ran === 1,
    tried: JSON.parse(r.tried) as string[],
  };
}

export interface AttemptRow {
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

export interface SlaveRow {
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
  /** The latest reboot action's author and id, for a slave that needs hands. */
  reboot_by: string | null;
  reboot_action: number | null;
}

export interface HeartbeatRow {
  id: number;
  slave: string;
  kind: HeartbeatKind;
  at: number;
  master: string | null;
  pool: string | null;
  message: string | null;
}

/** A row's starts history, or null when it is not a JSON list of times (a damaged row). */
export function startsOf(text: string | null): number[] | null {
  if (text === null) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => Number.isFinite(v))
      ? (value as number[])
      : null;
  } catch {
    return null;
  }
}

export function slaveFromRow(r: SlaveRow, starts: number[]): SlaveRecord {
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
    starts,
    inventory: null,
    reboot:
      r.needs_hands_since === null
        ? null
        : {
            phase: 'needs-hands',
            since: r.needs_hands_since,
            // An action pruned from the audit log leaves the reboot without its author.
            by: r.reboot_by ?? 'unknown',
            actionId: r.reboot_action ?? 0,
          },
  };
}

export function heartbeatFromRow(h: HeartbeatRow): Heartbeat {
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
