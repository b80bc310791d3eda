// Every other collector's heartbeats and actions, folded into this one (PostgreSQL only). A NOTIFY
// only wakes a read; the read goes by id, and a read each second catches up whatever a wake-up
// missed (a NOTIFY is lost while nobody listens: this connection down, this collector starting).
import pg from 'pg';
import type { Heartbeat, HeartbeatKind } from '../domain/heartbeat.js';
import type { ActionMessage, ActionView } from '../domain/protocol.js';
import type { SlaveReboot } from '../domain/slave-record.js';
import type { StoredAction } from './store.js';
import type { Logger } from './logger.js';
import { OwnHeartbeats } from './own-heartbeats.js';
import { PeerActions } from './peer-actions.js';
import { readRebootNotice, rebootPayload, type RebootNotice } from './peer-reboots.js';
import { SeenIds, type NextRead } from './seen-ids.js';

/** Sent after each commit of heartbeats (empty payload) and of an action's step (its id). */
export const HEARTBEATS_CHANNEL = 'corral_heartbeats';
export const ACTIONS_CHANNEL = 'corral_actions';
/** A slave's reboot status as the collector running its chain set it (the payload is the status). */
export const REBOOTS_CHANNEL = 'corral_reboots';

/** The read that catches up without a wake-up. */
const CATCH_UP_MS = 1000;
/**
 * How long an id overtaken by a later one is read again. A heartbeat commit lives well under
 * this (the store's statement timeout ends it sooner): past it, the id was rolled back.
 */
const GAP_LIFE_MS = 60_000;
/** Ids below the load's last that may still commit: the load cannot tell which are missing. */
const UNSURE_AT_START = 10_000;
const ROWS_PER_READ = 5000;
/**
 * Reads woken by NOTIFYs start at most this often: under load each read then takes many commits'
 * rows at once, instead of one read per commit (the consoles' deltas go out every 100 ms anyway).
 */
const READ_GAP_MS = 20;
/** Likewise, the NOTIFYs after this collector's heartbeat commits go at most this often. */
const ANNOUNCE_GAP_MS = 10;
const RECONNECT_MS = [250, 1000, 2000, 5000];
/** A server gone without a word (a host down) must not hold a read for TCP's minutes. */
const QUERY_TIMEOUT_MS = 5000;

export interface PeerSyncParts {
  /** How to reach the shared database (its own connection: LISTEN holds it). */
  connection: pg.ClientConfig;
  /** The last heartbeat id the load folded into the fleet. */
  heartbeatsThrough: number;
  /** Heartbeats other collectors committed, in id order (each once). */
  onHeartbeats: (heartbeats: Heartbeat[]) => void;
  /** An action as stored now, as the audit log shows it. */
  readAction: (id: number) => Promise<ActionView | undefined>;
  /** An action another collector made started, moved on or finished. */
  onAction: (message: ActionMessage) => void;
  /** Another collector's reboot chain set a slave's reboot status. */
  onReboot: (notice: RebootNotice) => void;
  log: Logger;
}

/** The store's heartbeat write (resolves with the last id once committed). */
export interface HeartbeatWrites {
  write(heartbeats: Heartbeat[], now: number): Promise<number>;
}

/** The store's action save (resolves once committed). */
export interface ActionSaves {
  saveAction(action: StoredAction): Promise<number>;
}

interface HeartbeatRow {
  id: string | number;
  slave: string;
  kind: string;
  at: string | number;
  master: string | null;
  pool: string | null;
  message: string | null;
}

export class PeerSync {
  private client: pg.Client | null = null;
  private pid: number | null = null;
  private readonly heartbeatIds: SeenIds;
  /** Made at the first connection, from the highest action id then: older ones are not news. */
  private actionIds: SeenIds | null = null;
  private readonly own = new OwnHeartbeats(GAP_LIFE_MS);
  private readonly actions = new PeerActions();
  /** Action ids a wake-up named. */
  private readonly wanted = new Set<number>();
  /** What the next turn on the connection does: NOTIFYs to send, then reads. */
  private readonly outbox: Array<[channel: string, payload: string]> = [];
  private heartbeatsToAnnounce = false;
  private readHeartbeatsNext = false;
  private readActionsNext = false;
  /** One turn at a time: a pg client must not be sent a query while one runs. */
  private turn: Promise<void> | null = null;
  private lastRead = 0;
  private lastAnnounce = 0;
  private delayed: NodeJS.Timeout | null = null;
  private failures = 0;
  private down: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconnect: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly parts: PeerSyncParts) {
    const now = Date.now();
    this.heartbeatIds = new SeenIds(parts.heartbeatsThrough, GAP_LIFE_MS, now, UNSURE_AT_START);
  }

  /** Ids read again until they commit or are given up (a figure for tests and metrics). */
  get openGaps(): number {
    return this.heartbeatIds.openGaps.length + (this.actionIds?.openGaps.length ?? 0);
  }

  /** Every heartbeat id at or below this one is folded (or given up as rolled back). */
  get settledThrough(): number {
    return this.heartbeatIds.settled;
  }

  start(): void {
    this.timer = setInterval(() => this.wake(true, true), CATCH_UP_MS);
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.reconnect) clearTimeout(this.reconnect);
    if (this.delayed) clearTimeout(this.delayed);
    await this.turn?.catch(() => {});
    await this.client?.end().catch(() => {});
  }

  /**
   * The store's heartbeat write, watched: what this collector commits is skipped when read back
   * (a read may see the commit before the write's answer arrives, so it is noted before), and
   * each commit wakes the others.
   */
  watchWrites(store: HeartbeatWrites): HeartbeatWrites {
    return {
      write: (heartbeats, now) => {
        this.own.expect(heartbeats, Date.now());
        return store.write(heartbeats, now).then(
          (lastId) => {
            this.heartbeatsCommitted();
            return lastId;
          },
          (err: unknown) => {
            // Not ours after all: the slave sends it to another collector, whose copy must count.
            this.own.forget(heartbeats);
            throw err;
          },
        );
      },
    };
  }

  /** The store's action save, watched: actions made here are this collector's own. */
  watchActionSaves(store: ActionSaves): ActionSaves {
    return {
      saveAction: (action) => {
        this.actions.noteOwn(action.id);
        return store.saveAction(action).then((n) => {
          this.notify(ACTIONS_CHANNEL, String(action.id));
          return n;
        });
      },
    };
  }

  /** A reboot chain here set a slave's reboot status: the others show it too. */
  rebootChanged(slave: string, reboot: SlaveReboot | null): void {
    this.notify(REBOOTS_CHANNEL, rebootPayload(slave, reboot));
  }

  /** One NOTIFY for however many commits end before the next turn. */
  private heartbeatsCommitted(): void {
    this.heartbeatsToAnnounce = true;
    this.kick();
  }

  private notify(channel: string, payload: string): void {
    // Without a connection the others catch up on their next read: a wake-up is only a hint.
    if (this.client === null) return;
    this.outbox.push([channel, payload]);
    this.kick();
  }

  /** Reads soon: now, or right after the turn under way (which may have read before the commit). */
  private wake(heartbeats: boolean, actions: boolean): void {
    this.readHeartbeatsNext ||= heartbeats;
    this.readActionsNext ||= actions;
    this.kick();
  }

  /** Starts a turn if there is work and none runs; reads wait out READ_GAP_MS since the last. */
  private kick(): void {
    if (this.closed || this.client === null || this.turn || this.delayed) return;
    const now = Date.now();
    const announce = this.heartbeatsToAnnounce && this.lastAnnounce + ANNOUNCE_GAP_MS <= now;
    const sends = this.outbox.length > 0 || announce;
    const reads = this.readHeartbeatsNext || this.readActionsNext;
    if (!sends && !reads && !this.heartbeatsToAnnounce) return;
    const due = (reads && this.lastRead + READ_GAP_MS <= now) || sends;
    if (!due && (reads || this.heartbeatsToAnnounce)) {
      const wait = Math.min(
        reads ? this.lastRead + READ_GAP_MS - now : Infinity,
        this.heartbeatsToAnnounce ? this.lastAnnounce + ANNOUNCE_GAP_MS - now : Infinity,
      );
      this.delayed = setTimeout(() => {
        this.delayed = null;
        this.kick();
      }, wait);
      return;
    }
    const client = this.client;
    this.turn = this.runTurn(client)
      .then(
        () => this.recovered(),
        // A query that failed or timed out leaves the connection in doubt: a new one is made,
        // and its first read catches up.
        (err: Error) => this.lost(client, err),
      )
      .finally(() => {
        this.turn = null;
        this.kick();
      });
  }

  private async runTurn(client: pg.Client): Promise<void> {
    if (this.heartbeatsToAnnounce && this.lastAnnounce + ANNOUNCE_GAP_MS <= Date.now()) {
      this.heartbeatsToAnnounce = false;
      this.lastAnnounce = Date.now();
      this.outbox.push([HEARTBEATS_CHANNEL, '']);
    }
    for (const [channel, payload] of this.outbox.splice(0)) {
      await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
    }
    if (!this.readHeartbeatsNext && !this.readActionsNext) return;
    if (this.lastRead + READ_GAP_MS > Date.now()) return; // kick() delays the read
    const heartbeats = this.readHeartbeatsNext;
    const actions = this.readActionsNext;
    this.readHeartbeatsNext = false;
    this.readActionsNext = false;
    this.lastRead = Date.now();
    if (heartbeats && (await this.readHeartbeats(client))) this.readHeartbeatsNext = true;
    if (actions) await this.readActions(client);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      ...this.parts.connection,
      application_name: 'corral sync',
      connectionTimeoutMillis: QUERY_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
    });
    // An error on an idle connection (the server gone) must not crash the collector.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
    client.on('notification', (n) => this.heard(n));
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      this.pid = rows[0]!.pid;
      await client.query(`LISTEN ${HEARTBEATS_CHANNEL}`);
      await client.query(`LISTEN ${ACTIONS_CHANNEL}`);
      await client.query(`LISTEN ${REBOOTS_CHANNEL}`);
      if (this.actionIds === null) {
        const last = await client.query<{ id: string }>(
          'SELECT coalesce(max(id), 0) AS id FROM actions',
        );
        this.actionIds = new SeenIds(Number(last.rows[0]!.id), GAP_LIFE_MS, Date.now());
      }
    } catch (err) {
      await client.end().catch(() => {});
      this.failed(err as Error);
      this.retryLater();
      return;
    }
    // Closed while connecting: the connection would keep a stopped collector alive.
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    // Whatever was committed while nobody listened.
    this.wake(true, true);
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    client.end().catch(() => {});
    this.failed(err);
    this.retryLater();
  }

  private retryLater(): void {
    if (this.closed || this.reconnect) return;
    const wait = RECONNECT_MS[Math.min(this.failures, RECONNECT_MS.length) - 1] ?? 250;
    this.reconnect = setTimeout(() => {
      this.reconnect = null;
      void this.connect();
    }, wait);
  }

  private heard(n: pg.Notification): void {
    if (n.processId === this.pid) return; // our own wake-up
    if (n.channel === REBOOTS_CHANNEL) {
      const notice = readRebootNotice(n.payload);
      if (notice) this.parts.onReboot(notice);
    } else if (n.channel === ACTIONS_CHANNEL) {
      const id = Number(n.payload);
      if (Number.isSafeInteger(id) && id > 0) this.wanted.add(id);
      this.wake(false, true);
    } else {
      this.wake(true, false);
    }
  }

  /** Folds what other collectors committed since the last read; true if more may wait. */
  private async readHeartbeats(client: pg.Client): Promise<boolean> {
    const next = this.heartbeatIds.next();
    const columns = 'id, slave, kind, at, master, pool, message';
    const above = await client.query<HeartbeatRow>(
      `SELECT ${columns} FROM heartbeats WHERE id > $1 ORDER BY id LIMIT ${ROWS_PER_READ}`,
      [next.above],
    );
    const inGaps = await readGaps<HeartbeatRow>(client, 'heartbeats', columns, next);
    const rows = [...inGaps, ...above.rows];
    const fresh = new Set(
      this.heartbeatIds.note(
        rows.map((r) => Number(r.id)),
        Date.now(),
      ),
    );
    const heartbeats = rows
      .filter((r) => fresh.has(Number(r.id)))
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map(heartbeatOf);
    const others = this.own.others(heartbeats, Date.now());
    if (others.length > 0) this.parts.onHeartbeats(others);
    return above.rows.length === ROWS_PER_READ;
  }

  /** Tells consoles of every action of another collector that started, moved on or finished. */
  private async readActions(client: pg.Client): Promise<void> {
    const seen = this.actionIds;
    if (seen === null) return;
    const next = seen.next();
    const wanted = [...this.wanted];
    this.wanted.clear();
    // Unfinished ones are read each time: a step's wake-up may have been lost.
    const { rows } = await client.query<{ id: string | number }>(
      `SELECT id FROM actions WHERE id > $1 OR finished_at IS NULL OR id = ANY($2::bigint[])`,
      [next.above, wanted],
    );
    const inGaps = await readGaps<{ id: string | number }>(client, 'actions', 'id', next);
    const ids = [...new Set([...rows, ...inGaps].map((r) => Number(r.id)))].sort((a, b) => a - b);
    seen.note(ids, Date.now());
    for (const id of ids) {
      if (this.actions.isOwn(id)) continue;
      const view = await this.parts.readAction(id);
      const message = view && this.actions.news(view);
      if (message) this.parts.onAction(message);
    }
  }

  private failed(err: Error): void {
    this.failures++;
    const problem = `cannot read other collectors' changes: ${err.message}`;
    if (problem === this.down) return;
    this.down = problem;
    this.parts.log.warn({ problem }, 'other collectors out of sight; catching up once back');
  }

  private recovered(): void {
    this.failures = 0;
    if (this.down === null) return;
    this.down = null;
    this.parts.log.info("reading other collectors' changes again");
  }
}

/** The rows whose ids are in the gaps still open (ids that may yet commit). */
async function readGaps<R extends pg.QueryResultRow>(
  client: pg.Client,
  table: 'heartbeats' | 'actions',
  columns: string,
  next: NextRead,
): Promise<R[]> {
  if (next.gaps.length === 0) return [];
  const qualified = columns
    .split(',')
    .map((c) => `t.${c.trim()}`)
    .join(', ');
  const { rows } = await client.query<R>(
    `SELECT ${qualified} FROM ${table} t
     JOIN unnest($1::bigint[], $2::bigint[]) AS g(lo, hi) ON t.id BETWEEN g.lo AND g.hi`,
    [next.gaps.map((g) => g[0]), next.gaps.map((g) => g[1])],
  );
  return rows;
}

function heartbeatOf(r: HeartbeatRow): Heartbeat {
  return {
    slave: r.slave,
    kind: r.kind as HeartbeatKind,
    at: Number(r.at),
    master: r.master,
    pool: r.pool,
    message: r.message,
  };
}
