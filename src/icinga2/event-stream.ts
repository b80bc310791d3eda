// Icinga 2's /v1/events, kept open: each connect is followed by a full query (Icinga replays
// nothing, so what happened while we were away is only in its objects), events that arrive during
// the query are applied after it, and a lost stream is reopened with backoff and jitter.
import type { IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { type ApiClient, IcingaApiError } from './api-client.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
const OPEN_TIMEOUT_MS = 10_000;

export interface StreamHandlers {
  /** The stream is open: load everything (a full query); events wait until it resolves. */
  resync(): Promise<void>;
  event(event: Record<string, unknown>): void;
  /** Open and resynced. */
  up(): void;
  /** Lost or refused, with the one line that says why; it will be tried again. */
  down(problem: IcingaApiError): void;
}

export class EventStream {
  private abort: AbortController | null = null;
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;
  private closed = false;
  private connecting = false;

  constructor(
    private readonly client: ApiClient,
    private readonly types: readonly string[],
    private readonly handlers: StreamHandlers,
    /** The queue's name: Icinga 2.13-2.15 require one; unique per process so two collectors never share. */
    private readonly queue = `corral-${process.pid}-${Date.now().toString(36)}`,
  ) {}

  /** Opens the stream; resolves after the first attempt (open and resynced, or failed). */
  start(): Promise<void> {
    return this.connect();
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.abort?.abort();
  }

  /**
   * A request failed while the stream looked open: Icinga may be restarting, or the stream dead
   * without a word. Reopens it now (and so resyncs); one attempt at a time.
   */
  reopen(): void {
    if (this.closed || this.connecting) return;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.abort?.abort();
    void this.connect();
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    try {
      await this.attempt();
    } finally {
      this.connecting = false;
    }
  }

  private async attempt(): Promise<void> {
    this.retry = null;
    const abort = new AbortController();
    this.abort = abort;
    const query = new URLSearchParams([
      ['queue', this.queue],
      ...this.types.map((t): [string, string] => ['types', t]),
    ]);
    let res: IncomingMessage;
    try {
      res = await this.client.openStream(
        `/v1/events?${query.toString()}`,
        this.types.map((t) => `events/${t}`).join(', '),
        abort.signal,
        OPEN_TIMEOUT_MS,
      );
    } catch (err) {
      this.lost(err);
      return;
    }
    res.socket.setKeepAlive(true, 10_000);
    const held: Array<Record<string, unknown>> = [];
    let synced = false;
    const lines = createInterface({ input: res });
    lines.on('line', (line) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // a line Icinga never sends whole; the next resync corrects whatever it meant
      }
      if (synced) this.handlers.event(event);
      else held.push(event);
    });
    const ended = new Promise<void>((resolve) => {
      res.once('close', resolve);
      res.once('error', () => resolve());
    });
    try {
      await this.handlers.resync();
    } catch (err) {
      abort.abort();
      this.lost(err);
      return;
    }
    for (const e of held.splice(0)) this.handlers.event(e);
    synced = true;
    this.failures = 0;
    this.handlers.up();
    void ended.then(() => {
      if (this.abort === abort && !abort.signal.aborted) {
        this.lost(
          new IcingaApiError(
            'unreachable',
            `Icinga 2 at ${this.client.url} closed the event stream (restarting?)`,
          ),
        );
      }
    });
  }

  private lost(err: unknown): void {
    if (this.closed) return;
    this.handlers.down(
      err instanceof IcingaApiError
        ? err
        : new IcingaApiError('unreachable', (err as Error).message),
    );
    const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.failures++);
    this.retry = setTimeout(() => void this.connect(), base / 2 + Math.random() * (base / 2));
    this.retry.unref();
  }
}
