// PostgreSQL behind the store seam (node-postgres, a bounded pool): writes go one at a time in the
// order they came, heartbeats queued meanwhile merged into one INSERT (group commit, as SQLite's
// writer thread does); every call is bounded by short timeouts, so with the server away writes
// fail fast (a 503, never a 202) and the pool reconnects by itself once it is back.
import pg from 'pg';
import type { Heartbeat } from '../domain/heartbeat.js';
import type { Park } from '../domain/park.js';
import type { UntilBackDowntime } from '../domain/until-back.js';
import type { ActionKind, ActionTargetView, RebootAttemptView } from '../domain/protocol.js';
import type { RecordedChain } from '../reboot/resume.js';
import { applyHeartbeat, newRecord, type SlaveRecord } from '../domain/slave-record.js';
import { StoreUnavailable, type CollectorStore, type StoreEvents } from './collector-store.js';
import type { PostgresTarget } from './database-url.js';
import { postgresProblem } from './postgres-problem.js';
import { upgradePostgresSchema } from './postgres-schema.js';
import type { SchemaChange } from './schema.js';
import {
  attemptFromRow,
  chainOfRow,
  parkOfRow,
  untilBackOfRow,
  actionFromRow,
  heartbeatFromRow,
  slaveFromRow,
  startsOf,
  type ActionRow,
  type AttemptRow,
  type ChainRow,
  type ParkRow,
  type UntilBackRow,
  type HeartbeatRow,
  type LoadedSlaves,
  type SlaveRow,
  type SlaveUpdate,
  type StoredAction,
  type StoredMessage,
} from './store.js';
import { BEHIND_MS } from './store-writer.js';

/** Connections at most: writes go one at a time; the rest serve reads. */
export const POOL_SIZE = 4;
/** A server that does not answer a connection or a statement within these is in trouble. */
const CONNECT_TIMEOUT_MS = 3000;
const STATEMENT_TIMEOUT_MS = 5000;
/** How often the store asks the server whether it is there, between writes. */
const PROBE_MS = 2000;

/** bigint columns (ids, epoch ms) as numbers: both stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

type Op =
  | { op: 'write'; heartbeats: Heartbeat[]; now: number }
  | { op: 'summaries'; slaves: SlaveUpdate[]; through: number | null }
  | { op: 'action'; action: StoredAction }
  | { op: 'attempt'; actionId: number; attempt: RebootAttemptView }
  | { op: 'needs-hands'; slave: string; since: number | null }
  | { op: 'prune'; before: number }
  | { op: 'chain'; chain: RecordedChain }
  | { op: 'drop-chains'; actionId: number }
  | { op: 'parks'; save: readonly Park[]; remove: readonly string[] }
  | { op: 'until-back-add'; downtimes: readonly UntilBackDowntime[] }
  | { op: 'until-back-remove'; slave: string; actionId: number };
type Queued = Op & { sentAt: number; resolve: (v: number) => void; reject: (e: Error) => void };

export class PostgresStore implements CollectorStore {
  readonly engine = 'postgres';
  readonly where: string;
  private readonly queue: Queued[] = [];
  private draining: Promise<void> | null = null;
  private failing: string | null = null;
  private trouble: string | null = null;
  private closed = false;
  private readonly watch: NodeJS.Timeout;
  private readonly probe: NodeJS.Timeout;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly target: PostgresTarget,
    private readonly events: StoreEvents,
    /** What opening did to the schema (null: nothing). */
    readonly opened: SchemaChange | null,
  ) {
    this.where = target.url;
    // A connection the server closes while idle in the pool (a restart) is dropped by the pool;
    // without a listener its error would end the process.
    pool.on('error', (err) => this.noteFailure(err));
    this.watch = setInterval(() => this.report(), 500);
    this.watch.unref();
    // Between writes, a server that went away is noticed here (health), not at the next heartbeat.
    this.probe = setInterval(() => void this.ping(), PROBE_MS);
    this.probe.unref();
  }

  /** Connects and brings the schema up to date; throws one line naming host and port when it cannot. */
  static async open(target: PostgresTarget, events: StoreEvents = {}): Promise<PostgresStore> {
    const connection = {
      connectionString: withPassword(target),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS + 1000,
      keepAlive: true,
      application_name: 'corral',
      types,
    };
    // The first connection is our own: on a failed login node-postgres can leave its socket
    // open (a pool's would keep a collector that cannot start alive), so it is destroyed here.
    const first = new pg.Client(connection);
    first.on('error', () => {});
    let change: SchemaChange | null;
    try {
      await first.connect();
      // Migrations may take longer than one statement's usual bound.
      await first.query('SET statement_timeout = 0');
      change = await upgradePostgresSchema(first);
      await first.end();
    } catch (err) {
      (
        first as unknown as { connection: { stream: { destroy(): void } } }
      ).connection.stream.destroy();
      throw new Error(postgresProblem(err, target), { cause: err });
    }
    const pool = new pg.Pool({ ...connection, max: POOL_SIZE, idleTimeoutMillis: 30_000 });
    return new PostgresStore(pool, target, events, change);
  }

  // Reads: any failure is the server's (away, too slow): the API answers 503 with its reason.

  async loadSlaves(startsPerSlave: number): Promise<LoadedSlaves> {
    const slaves = await this.read<SlaveRow>(
      `SELECT s.*, o.author AS reboot_by, o.id AS reboot_action FROM slaves s
       LEFT JOIN actions o ON o.id = CASE WHEN s.needs_hands_since IS NULL THEN NULL ELSE
         (SELECT MAX(t.action_id) FROM action_targets t JOIN actions a ON a.id = t.action_id
          WHERE t.slave = s.name AND a.kind = 'reboot') END`,
    );
    const records = new Map<string, SlaveRecord>();
    const unreadable: string[] = [];
    for (const row of slaves) {
      const starts = startsOf(row.starts);
      if (starts === null) unreadable.push(row.name);
      records.set(row.name, slaveFromRow(row, (starts ?? []).slice(-startsPerSlave)));
    }
    const checkpoint = await this.read<{ through: number }>(
      'SELECT through FROM summary_checkpoint WHERE id = 1',
    );
    let through = checkpoint[0]?.through ?? 0;
    for (const name of unreadable) {
      const starts = await this.read<{ at: number }>(
        `SELECT DISTINCT at FROM heartbeats WHERE slave = $1 AND kind = 'start' AND id <= $2
         ORDER BY at DESC LIMIT $3`,
        [name, through, startsPerSlave],
      );
      records.set(name, { ...records.get(name)!, starts: starts.map((r) => r.at).reverse() });
    }
    const replayed = new Set<string>();
    const tail = await this.read<HeartbeatRow>(
      'SELECT id, slave, kind, at, master, pool, message FROM heartbeats WHERE id > $1 ORDER BY id',
      [through],
    );
    for (const h of tail) {
      const current = records.get(h.slave) ?? newRecord(h.slave);
      records.set(h.slave, applyHeartbeat(current, heartbeatFromRow(h), startsPerSlave));
      replayed.add(h.slave);
      through = h.id;
    }
    return { slaves: [...records.values()], through, replayed: [...replayed], unreadable };
  }

  recentMessages(slave: string, limit: number): Promise<StoredMessage[]> {
    return this.read<StoredMessage>(
      `SELECT at, kind, message FROM heartbeats
       WHERE slave = $1 AND message IS NOT NULL AND message != ''
       ORDER BY at DESC LIMIT $2`,
      [slave, limit],
    );
  }

  async listActions(limit: number, slave?: string): Promise<StoredAction[]> {
    const rows =
      slave === undefined
        ? await this.read<ActionRow>('SELECT * FROM actions ORDER BY id DESC LIMIT $1', [limit])
        : await this.read<ActionRow>(
            `SELECT a.* FROM actions a WHERE a.id IN
               (SELECT action_id FROM action_targets WHERE slave = $1)
             ORDER BY a.id DESC LIMIT $2`,
            [slave, limit],
          );
    return this.withTargets(rows);
  }

  async actionsStartingAfter(kinds: readonly ActionKind[], after: string): Promise<StoredAction[]> {
    const rows = await this.read<ActionRow>(
      `SELECT * FROM actions WHERE kind = ANY($1::text[])
       AND (params::jsonb ->> 'start') > $2 ORDER BY id`,
      [[...kinds], after],
    );
    return this.withTargets(rows);
  }

  /** An undo counts once any of its targets did not fail (under way, done, or nothing left). */
  async undoesOf(ids: readonly number[]): Promise<Map<number, { actionId: number; by: string }>> {
    const out = new Map<number, { actionId: number; by: string }>();
    if (ids.length === 0) return out;
    const rows = await this.read<{ id: number; author: string; undone: number }>(
      `SELECT a.id, a.author, (a.params::jsonb ->> 'actionId')::bigint AS undone FROM actions a
       WHERE a.kind = 'undo' AND (a.params::jsonb ->> 'actionId')::bigint = ANY($1::bigint[])
       AND EXISTS (SELECT 1 FROM action_targets t WHERE t.action_id = a.id AND t.status != 'failed')
       ORDER BY a.id`,
      [[...ids]],
    );
    for (const r of rows) {
      if (!out.has(Number(r.undone))) out.set(Number(r.undone), { actionId: r.id, by: r.author });
    }
    return out;
  }

  async getAction(id: number): Promise<StoredAction | undefined> {
    const rows = await this.read<ActionRow>('SELECT * FROM actions WHERE id = $1', [id]);
    return (await this.withTargets(rows))[0];
  }

  async listAttempts(actionId: number): Promise<RebootAttemptView[]> {
    const rows = await this.read<AttemptRow>(
      'SELECT * FROM reboot_attempts WHERE action_id = $1 ORDER BY id',
      [actionId],
    );
    return rows.map(attemptFromRow);
  }

  async rebootChains(): Promise<RecordedChain[]> {
    const rows = await this.read<ChainRow>('SELECT * FROM reboot_chains ORDER BY action_id, slave');
    return rows.map(chainOfRow);
  }

  async loadParks(): Promise<Park[]> {
    const rows = await this.read<ParkRow>('SELECT * FROM parks ORDER BY slave');
    return rows.map(parkOfRow);
  }

  async listUntilBack(): Promise<UntilBackDowntime[]> {
    const rows = await this.read<UntilBackRow>(
      'SELECT * FROM until_back ORDER BY action_id, slave',
    );
    return rows.map(untilBackOfRow);
  }

  /** From the database's sequence: two collectors never number two actions alike. */
  async nextActionId(): Promise<number> {
    const rows = await this.read<{ id: number }>("SELECT nextval('action_ids') AS id");
    return rows[0]!.id;
  }

  /** The actions with their targets, read in one query for them all. */
  private async withTargets(rows: ActionRow[]): Promise<StoredAction[]> {
    if (rows.length === 0) return [];
    const targets = await this.read<ActionTargetView & { action_id: number }>(
      `SELECT action_id, slave, status, error FROM action_targets
       WHERE action_id = ANY($1::bigint[]) ORDER BY action_id, position`,
      [rows.map((r) => r.id)],
    );
    const byAction = new Map<number, ActionTargetView[]>();
    for (const { action_id, slave, status, error } of targets) {
      byAction.set(action_id, [...(byAction.get(action_id) ?? []), { slave, status, error }]);
    }
    return rows.map((r) => actionFromRow(r, byAction.get(r.id) ?? []));
  }

  private async read<R extends pg.QueryResultRow>(
    sql: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, values)).rows;
    } catch (err) {
      throw new StoreUnavailable(
        `the database cannot answer now: ${postgresProblem(err, this.target)}`,
      );
    }
  }

  // Writes: queued in order, each answered once committed.

  write(heartbeats: Heartbeat[], now: number): Promise<number> {
    return this.enqueue({ op: 'write', heartbeats, now });
  }

  writeSummaries(slaves: SlaveUpdate[], through: number | null): Promise<number> {
    return this.enqueue({ op: 'summaries', slaves, through });
  }

  saveAction(action: StoredAction): Promise<number> {
    return this.enqueue({ op: 'action', action });
  }

  saveAttempt(actionId: number, attempt: RebootAttemptView): Promise<number> {
    return this.enqueue({ op: 'attempt', actionId, attempt });
  }

  setNeedsHands(slave: string, since: number | null): Promise<number> {
    return this.enqueue({ op: 'needs-hands', slave, since });
  }

  prune(before: number): Promise<number> {
    return this.enqueue({ op: 'prune', before });
  }

  saveChain(chain: RecordedChain): Promise<number> {
    return this.enqueue({ op: 'chain', chain });
  }

  dropChains(actionId: number): Promise<number> {
    return this.enqueue({ op: 'drop-chains', actionId });
  }

  saveParks(save: readonly Park[], remove: readonly string[] = []): Promise<number> {
    return this.enqueue({ op: 'parks', save, remove });
  }

  addUntilBack(downtimes: readonly UntilBackDowntime[]): Promise<number> {
    return this.enqueue({ op: 'until-back-add', downtimes });
  }

  removeUntilBack(slave: string, actionId: number): Promise<number> {
    return this.enqueue({ op: 'until-back-remove', slave, actionId });
  }

  oldestWaitMs(now = Date.now()): number {
    const first = this.queue[0];
    return first === undefined ? 0 : now - first.sentAt;
  }

  async close(): Promise<void> {
    clearInterval(this.watch);
    clearInterval(this.probe);
    await this.draining;
    this.closed = true;
    await this.pool.end();
  }

  private enqueue(op: Op): Promise<number> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ ...op, sentAt: Date.now(), resolve, reject });
      this.draining ??= this.drain().finally(() => (this.draining = null));
    });
  }

  /** Runs the queue in order; heartbeat writes waiting together at its head share one INSERT. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const count = head.op === 'write' ? this.queue.findIndex((q) => q.op !== 'write') : 1;
      const batch = this.queue.slice(0, count === -1 ? this.queue.length : count);
      try {
        const value = await this.run(batch);
        this.queue.splice(0, batch.length);
        this.noteSuccess();
        for (const q of batch) q.resolve(value);
      } catch (err) {
        this.queue.splice(0, batch.length);
        const problem = postgresProblem(err, this.target);
        this.noteFailure(err);
        for (const q of batch) {
          this.events.onFailedWrite?.(q.op);
          q.reject(new Error(problem));
        }
      }
    }
  }

  private async run(batch: Queued[]): Promise<number> {
    const q = batch[0]!;
    switch (q.op) {
      case 'write':
        return this.insertHeartbeats(batch as Array<Extract<Queued, { op: 'write' }>>);
      case 'summaries':
        await this.transaction(async (c) => {
          await upsertSlaves(c, q.slaves);
          if (q.through !== null) {
            await c.query(
              `INSERT INTO summary_checkpoint (id, through) VALUES (1, $1)
               ON CONFLICT (id) DO UPDATE SET through = excluded.through`,
              [q.through],
            );
          }
        });
        return 0;
      case 'action':
        await this.transaction((c) => upsertAction(c, q.action));
        return q.action.id;
      case 'attempt':
        await this.pool.query(
          `INSERT INTO reboot_attempts (action_id, slave, method, argv, started_at, duration_ms,
             exit_code, signal, outcome, output, error)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          attemptValues(q.actionId, q.attempt),
        );
        return q.actionId;
      case 'chain': {
        const c = q.chain;
        await this.pool.query(
          `INSERT INTO reboot_chains (action_id, slave, begun_at, method_index, method, phase,
             since, until, command_ran, tried)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (action_id, slave) DO UPDATE SET method_index = excluded.method_index,
             method = excluded.method, phase = excluded.phase, since = excluded.since,
             until = excluded.until, command_ran = excluded.command_ran, tried = excluded.tried`,
          [
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
          ],
        );
        return 0;
      }
      case 'parks':
        await this.transaction(async (c) => {
          for (const p of q.save) {
            await c.query(
              `INSERT INTO parks (slave, action_id, by, owner, reason, ticket, since, review,
                 comment, downtime_end)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
               ON CONFLICT (slave) DO UPDATE SET action_id = excluded.action_id, by = excluded.by,
                 owner = excluded.owner, reason = excluded.reason, ticket = excluded.ticket,
                 since = excluded.since, review = excluded.review, comment = excluded.comment,
                 downtime_end = excluded.downtime_end`,
              [
                p.slave,
                p.actionId,
                p.by,
                p.owner,
                p.reason,
                p.ticket,
                p.since,
                p.review,
                p.comment,
                p.downtimeEnd,
              ],
            );
          }
          if (q.remove.length > 0) {
            await c.query('DELETE FROM parks WHERE slave = ANY($1::text[])', [[...q.remove]]);
          }
        });
        return 0;
      case 'until-back-add':
        await this.transaction(async (c) => {
          for (const d of q.downtimes) {
            await c.query(
              `INSERT INTO until_back (slave, action_id, author, comment, start, fixed, since)
               VALUES ($1, $2, $3, $4, $5, $6, $7)
               ON CONFLICT (slave, action_id) DO UPDATE SET author = excluded.author,
                 comment = excluded.comment, start = excluded.start, fixed = excluded.fixed,
                 since = excluded.since`,
              [d.slave, d.actionId, d.author, d.comment, d.start, d.fixed ? 1 : 0, d.since],
            );
          }
        });
        return 0;
      case 'until-back-remove':
        await this.pool.query('DELETE FROM until_back WHERE slave = $1 AND action_id = $2', [
          q.slave,
          q.actionId,
        ]);
        return 0;
      case 'drop-chains':
        await this.pool.query('DELETE FROM reboot_chains WHERE action_id = $1', [q.actionId]);
        return 0;
      case 'needs-hands':
        await this.pool.query('UPDATE slaves SET needs_hands_since = $1 WHERE name = $2', [
          q.since,
          q.slave,
        ]);
        return 0;
      case 'prune':
        return (
          (
            await this.pool.query(
              `DELETE FROM heartbeats WHERE received_at < $1
                 AND id <= (SELECT coalesce(max(through), 0) FROM summary_checkpoint)
                 AND id < (SELECT max(id) FROM heartbeats)`,
              [q.before],
            )
          ).rowCount ?? 0
        );
    }
  }

  /** Every queued batch in one INSERT (one statement, one commit); resolves with the last id. */
  private async insertHeartbeats(
    batches: Array<{ heartbeats: Heartbeat[]; now: number }>,
  ): Promise<number> {
    const columns: unknown[][] = [[], [], [], [], [], [], []];
    for (const { heartbeats, now } of batches) {
      for (const h of heartbeats) {
        const row = [h.slave, h.kind, h.at, now, h.master, h.pool, h.message];
        row.forEach((v, i) => columns[i]!.push(v));
      }
    }
    const result = await this.pool.query<{ id: number | null }>(
      `WITH added AS (
         INSERT INTO heartbeats (slave, kind, at, received_at, master, pool, message)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[],
           $6::text[], $7::text[])
         RETURNING id)
       SELECT max(id) AS id FROM added`,
      columns,
    );
    return result.rows[0]?.id ?? 0;
  }

  private async transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
      client.release();
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      // A connection that failed mid-transaction is not given back to the pool.
      client.release(err as Error);
      throw err;
    }
  }

  private async ping(): Promise<void> {
    if (this.closed || this.queue.length > 0) return;
    try {
      await this.pool.query('SELECT 1');
      if (this.failing !== null) this.noteSuccess();
    } catch (err) {
      this.noteFailure(err);
    }
  }

  private noteSuccess(): void {
    this.failing = null;
    this.report();
  }

  private noteFailure(err: unknown): void {
    this.failing = `writes to the database fail: ${postgresProblem(err, this.target)}`;
    this.report();
  }

  private report(): void {
    if (this.closed) return;
    const behind =
      this.oldestWaitMs() > BEHIND_MS
        ? `the database is behind: a write has waited more than ${BEHIND_MS / 1000}s for its commit (PostgreSQL at ${this.target.host}:${this.target.port} slow or unreachable)`
        : null;
    const trouble = this.failing ?? behind;
    if (trouble === this.trouble) return;
    this.trouble = trouble;
    this.events.onTrouble?.(trouble);
  }
}

/**
 * The URL to connect with, the password put back in: node-postgres lets the URL's fields override
 * a separate `password`. It goes to the pool only, never to a log or a message.
 */
export function withPassword(target: PostgresTarget): string {
  if (target.password === null) return target.url;
  const url = new URL(target.url);
  url.password = encodeURIComponent(target.password);
  return url.toString();
}

async function upsertSlaves(client: pg.ClientBase, slaves: SlaveUpdate[]): Promise<void> {
  if (slaves.length === 0) return;
  const columns: unknown[][] = Array.from({ length: 12 }, () => []);
  for (const s of slaves) {
    [
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
    ].forEach((v, i) => columns[i]!.push(v));
  }
  await client.query(
    `INSERT INTO slaves (name, pool, master, first_seen, last_start, last_critical_at,
       last_critical_message, last_heartbeat_at, last_heartbeat_kind, last_heartbeat_message,
       needs_hands_since, starts)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
       $6::bigint[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::bigint[], $12::text[])
     ON CONFLICT (name) DO UPDATE SET pool = excluded.pool, master = excluded.master,
       first_seen = excluded.first_seen, last_start = excluded.last_start,
       last_critical_at = excluded.last_critical_at,
       last_critical_message = excluded.last_critical_message,
       last_heartbeat_at = excluded.last_heartbeat_at,
       last_heartbeat_kind = excluded.last_heartbeat_kind,
       last_heartbeat_message = excluded.last_heartbeat_message,
       needs_hands_since = excluded.needs_hands_since, starts = excluded.starts`,
    columns,
  );
}

async function upsertAction(client: pg.ClientBase, a: StoredAction): Promise<void> {
  await client.query(
    `INSERT INTO actions (id, at, author, kind, params, summary, finished_at, cancelled_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO UPDATE SET finished_at = excluded.finished_at,
       cancelled_by = excluded.cancelled_by`,
    [
      a.id,
      a.at,
      a.author,
      a.kind,
      JSON.stringify(a.params),
      a.summary,
      a.finishedAt,
      a.cancelledBy ?? null,
    ],
  );
  if (a.targets.length === 0) return;
  await client.query(
    `INSERT INTO action_targets (action_id, position, slave, status, error)
     SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (action_id, position) DO UPDATE SET status = excluded.status, error = excluded.error`,
    [
      a.id,
      a.targets.map((_, i) => i),
      a.targets.map((t) => t.slave),
      a.targets.map((t) => t.status),
      a.targets.map((t) => t.error),
    ],
  );
}

function attemptValues(actionId: number, a: RebootAttemptView): unknown[] {
  return [
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
  ];
}
