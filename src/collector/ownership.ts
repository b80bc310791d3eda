// Which collector owns the single-owner work (forwarding to the monitoring system, reboot chains,
// later jobs): on SQLite the one collector always does; on PostgreSQL the holder of one advisory
// lock, held on a connection of its own (session-scoped: the server releases it when that
// connection dies). Losing the connection ends ownership at once, before another can take it.
import pg from 'pg';
import { isPostgresUrl } from './database-url.js';

export interface Ownership {
  /** Whether this collector owns the single-owner work now. */
  readonly owns: boolean;
  /** Who owns it, as its connection names it (`corral http://host:port`), null when nobody or unknown. */
  owner(): Promise<string | null>;
  /**
   * Starts trying for ownership; `changed` hears each gain and loss. `me` names this collector.
   * Resolves after the first try (so a collector that can own does before it says it listens).
   */
  start(me: string, changed: (owns: boolean) => void): Promise<void>;
  close(): Promise<void>;
}

/** SQLite: one collector, always the owner. */
export class SoleOwnership implements Ownership {
  readonly owns = true;
  private me: string | null = null;

  owner(): Promise<string | null> {
    return Promise.resolve(this.me);
  }

  start(me: string, changed: (owns: boolean) => void): Promise<void> {
    this.me = me;
    changed(true);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A collector that cannot do the work (no monitoring link, no reboot methods) never owns it. */
export class NoOwnership implements Ownership {
  readonly owns = false;

  owner(): Promise<string | null> {
    return Promise.resolve(null);
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The lock's two keys ('corr', 1): every corral collector on one database contends for it. */
const LOCK_KEYS = [0x636f7272, 1] as const;
/** How often a collector that does not own tries for the lock, and the owner checks its connection. */
export const TRY_EVERY_MS = 3000;
/** A check or a try that takes longer than this counts as a lost connection. */
const QUERY_TIMEOUT_MS = 3000;

export interface AdvisoryLockOptions {
  /** node-postgres's connection settings (URL, password). */
  connection: pg.ClientConfig;
  /** Told why ownership was lost or could not be tried (one line for the log). */
  trouble: (reason: string) => void;
  tryEveryMs?: number;
}

/**
 * PostgreSQL: `pg_try_advisory_lock` every few seconds on a dedicated connection; the owner runs
 * `SELECT 1` as often on it, so a connection that died quietly ends ownership within seconds.
 */
export class AdvisoryLockOwnership implements Ownership {
  private client: pg.Client | null = null;
  private held = false;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private closed = false;
  private me = 'corral';
  /** The last trouble said, so that a lasting one is said once. */
  private said: string | null = null;
  private changed: (owns: boolean) => void = () => {};

  constructor(private readonly options: AdvisoryLockOptions) {}

  get owns(): boolean {
    return this.held;
  }

  start(me: string, changed: (owns: boolean) => void): Promise<void> {
    this.me = me;
    this.changed = changed;
    this.timer = setInterval(() => void this.turn(), this.options.tryEveryMs ?? TRY_EVERY_MS);
    this.timer.unref();
    return this.turn();
  }

  /** Who holds the lock: its connection's application_name, read from pg_locks. */
  async owner(): Promise<string | null> {
    if (this.held) return this.me;
    const client = this.client;
    if (client === null) return null;
    try {
      const { rows } = await client.query<{ name: string }>(
        `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int::oid
           AND l.objid = $2::int::oid AND l.objsubid = 2`,
        [...LOCK_KEYS],
      );
      return rows[0]?.name || null;
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.lose(null);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  /** One try (not owner) or check (owner); one at a time. */
  private async turn(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      const client = this.client ?? (await this.connect());
      if (this.held) {
        await client.query('SELECT 1');
        return;
      }
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS locked',
        [...LOCK_KEYS],
      );
      this.said = null;
      if (rows[0]?.locked && !this.closed) {
        this.held = true;
        this.changed(true);
      }
    } catch (err) {
      this.drop(`the ownership connection failed: ${(err as Error).message}`, this.client);
    } finally {
      this.busy = false;
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      ...this.options.connection,
      // Seen by the other collectors in pg_stat_activity: who owns, for their refusals.
      application_name: `corral ${this.me}`.slice(0, 63),
      query_timeout: QUERY_TIMEOUT_MS,
      connectionTimeoutMillis: QUERY_TIMEOUT_MS,
      keepAlive: true,
    });
    // The server gone (stopped, restarted, the connection cut): the lock went with the session.
    client.on('error', (err) =>
      this.drop(`the ownership connection failed: ${err.message}`, client),
    );
    client.on('end', () => this.drop('the ownership connection closed', client));
    this.client = client;
    try {
      await client.connect();
    } catch (err) {
      this.client = null;
      client.end().catch(() => {});
      throw err;
    }
    return client;
  }

  /** The connection is gone or unusable: ownership ends now, and the next turn connects again. */
  private drop(reason: string, client: pg.Client | null): void {
    if (client !== this.client) return; // an older connection, already dropped
    this.client = null;
    client?.end().catch(() => {});
    if (!this.closed) this.lose(reason);
  }

  private lose(reason: string | null): void {
    // Said once while it lasts: a database away for minutes is not a line every few seconds.
    if (reason !== null && (this.held || reason !== this.said)) this.options.trouble(reason);
    this.said = reason;
    if (!this.held) return;
    this.held = false;
    this.changed(false);
  }
}

/**
 * The ownership for this collector: SQLite, always the owner; PostgreSQL, the advisory lock, tried
 * only by a collector that can do the work (a monitoring link or reboot methods configured).
 */
export function ownershipFor(
  settings: { db: string; dbPassword: string | null },
  canOwn: boolean,
  trouble: (reason: string) => void,
): Ownership {
  if (!isPostgresUrl(settings.db)) return new SoleOwnership();
  if (!canOwn) return new NoOwnership();
  // The URL in settings holds no password; it is given apart, never in a log or argv.
  const connection = { connectionString: settings.db, password: settings.dbPassword ?? undefined };
  return new AdvisoryLockOwnership({ connection, trouble });
}
