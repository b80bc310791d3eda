// The WebSocket feed: hello, snapshot, then coalesced deltas to every console, with backpressure.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ActionRefused } from '../actions/request.js';
import { rebootChains } from '../reboot/methods.js';
import {
  PROTOCOL_VERSION,
  type ActionView,
  type AnyServerMessage,
  type DryRunView,
  type DeltaMessage,
  type HelloMessage,
  type DatabaseStatus,
  type MonitoringLink,
  type ServerMessage,
  type SnapshotMessage,
} from '../domain/protocol.js';
import { roleRefusal, type Identity } from './auth.js';
import { readConsoleRequest } from './console-request.js';
import type { Settings } from './config.js';
import type { Fleet } from './fleet.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Queries } from './queries.js';

/** Runs a console's action request; throws ActionRefused for a request refused as a whole. */
export type ActionHandler = (
  body: unknown,
  author: string,
  requestId: string,
) => Promise<ActionView | DryRunView>;

interface Console {
  socket: WebSocket;
  identity: Identity;
  alive: boolean;
  /** Since when deltas are being held back because the console is not reading; null when keeping up. */
  behindSince: number | null;
}

const SNAPSHOT_REUSE_MS = 250;

export class Hub {
  private readonly wss: WebSocketServer;
  private readonly consoles = new Set<Console>();
  private seq = 0;
  private lastFlush = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly behindTimer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private snapshot: { seq: number; at: number; frame: Buffer } | null = null;

  constructor(
    private readonly fleet: Fleet,
    private readonly queries: Queries,
    private readonly act: ActionHandler,
    private readonly settings: Settings,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    /** The monitoring link as it stands now, for `hello`. */
    private readonly monitoring: () => MonitoringLink,
    /** The database as it stands now, for `hello`. */
    private readonly database?: () => DatabaseStatus,
  ) {
    // An action request may name thousands of slaves: as much as an HTTP body may carry.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: settings.limits.bodyBytes });
    this.unsubscribe = fleet.onChange(() => this.scheduleFlush());
    this.pingTimer = setInterval(() => this.ping(), settings.stream.pingIntervalSeconds * 1000);
    this.behindTimer = setInterval(() => this.catchUp(), 250);
    this.pingTimer.unref();
    this.behindTimer.unref();
  }

  /** Sends a message to every console that keeps up (action progress). */
  broadcast(message: AnyServerMessage): void {
    const frame = Buffer.from(JSON.stringify(message));
    const now = Date.now();
    for (const c of this.consoles) this.sendUnlessBehind(c, frame, now);
  }

  get connected(): number {
    return this.consoles.size;
  }

  /** Completes an upgrade the HTTP layer has already authorised. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, identity: Identity): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, identity));
  }

  private attach(socket: WebSocket, identity: Identity): void {
    const c: Console = { socket, identity, alive: true, behindSince: null };
    this.consoles.add(c);
    socket.on('pong', () => (c.alive = true));
    socket.on('message', (data, isBinary) => this.onMessage(c, data.toString(), isBinary));
    socket.on('close', () => this.consoles.delete(c));
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'console socket error'));
    const now = Date.now();
    // Nagios here, or on another host through its relay.
    const wired =
      this.settings.nagios.commandFile !== null ||
      this.settings.nagios.relay ||
      this.settings.icinga2 !== null;
    const hello: HelloMessage = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      serverTime: new Date(now).toISOString(),
      thresholds: this.settings.thresholds,
      you: { name: identity.name, role: identity.role },
      nagios: wired,
      actions: wired, // `nagios` as older consoles read it
      reboot: rebootChains(this.settings.reboot),
      monitoring: this.monitoring(),
      ...(this.database && { database: this.database() }),
    };
    this.send(c, JSON.stringify(hello));
    this.sendSnapshot(c);
    this.log.info({ who: identity.name, consoles: this.consoles.size }, 'console connected');
  }

  private onMessage(c: Console, text: string, isBinary: boolean): void {
    const request = readConsoleRequest(text, isBinary);
    if (request.type === 'resync') {
      // A console still holding unread data gets its snapshot once drained: asking again and
      // again without reading must not pile up snapshots in the collector's memory.
      if (c.socket.bufferedAmount > 0) c.behindSince ??= Date.now();
      else this.sendSnapshot(c);
      return;
    }
    if (request.type === 'action') {
      void this.onAction(c, request.requestId, request.body);
      return;
    }
    this.sendError(c, request.error);
  }

  private async onAction(
    c: Console,
    requestId: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    // The upgrade let in whoever may watch; acting asks more.
    const refusal = roleRefusal(c.identity, 'act');
    if (refusal !== null) {
      this.sendError(c, refusal, requestId);
      return;
    }
    try {
      const result = await this.act(body, c.identity.name, requestId);
      // An action's progress is broadcast by the engine; a dry run's lines go to the asker only.
      if ('dryRun' in result)
        this.send(c, JSON.stringify({ type: 'dry-run', requestId, ...result }));
    } catch (err) {
      if (!(err instanceof ActionRefused)) {
        this.log.error({ err }, 'an action request failed');
        this.sendError(c, 'internal error; the collector log says more', requestId);
        return;
      }
      this.sendError(c, err.message, requestId);
    }
  }

  private sendError(c: Console, error: string, requestId?: string): void {
    const message: ServerMessage =
      requestId === undefined ? { type: 'error', error } : { type: 'error', error, requestId };
    this.send(c, JSON.stringify(message));
  }

  private sendSnapshot(c: Console): void {
    c.behindSince = null;
    this.metrics.snapshotsSent.inc();
    this.send(c, this.snapshotFrame());
  }

  /**
   * The snapshot, serialised once for the consoles that connect or resync together: twenty at
   * once would otherwise each cost a whole fleet's JSON (70 ms for 10,000 slaves) on the event
   * loop. Reused while nothing changed and for at most SNAPSHOT_REUSE_MS, so its serverTime is
   * no staler than a frame that waited in a busy socket.
   */
  private snapshotFrame(): Buffer {
    const now = Date.now();
    const cached = this.snapshot;
    if (cached && cached.seq === this.seq && now - cached.at < SNAPSHOT_REUSE_MS) {
      return cached.frame;
    }
    const snapshot: SnapshotMessage = {
      type: 'snapshot',
      seq: this.seq,
      serverTime: new Date(now).toISOString(),
      slaves: this.queries.slaves(now),
    };
    this.snapshot = { seq: this.seq, at: now, frame: Buffer.from(JSON.stringify(snapshot)) };
    return this.snapshot.frame;
  }

  /** At most one delta per deltaInterval; the first change after a quiet spell goes out at once. */
  private scheduleFlush(): void {
    if (this.flushTimer) return;
    const wait = Math.max(0, this.lastFlush + this.settings.stream.deltaIntervalMs - Date.now());
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (!this.fleet.hasChanges()) return;
    const now = Date.now();
    this.lastFlush = now;
    const { changed, removed } = this.fleet.takeChanges();
    this.seq += 1;
    // Nobody watching: a console that connects later starts from a snapshot anyway.
    if (this.consoles.size === 0) return;
    const delta: DeltaMessage = {
      type: 'delta',
      seq: this.seq,
      serverTime: new Date(now).toISOString(),
      changed: this.queries.views(changed, now),
      removed,
    };
    // Serialised and encoded once for every console.
    const frame = Buffer.from(JSON.stringify(delta));
    for (const c of this.consoles) this.sendUnlessBehind(c, frame, now);
  }

  /** A console too far behind misses the frame; it gets a whole snapshot once it has drained. */
  private sendUnlessBehind(c: Console, frame: Buffer, now: number): void {
    if (c.behindSince !== null) return;
    if (c.socket.bufferedAmount > this.settings.stream.maxBufferedBytes) {
      c.behindSince = now;
      return;
    }
    this.send(c, frame);
  }

  /** Consoles that fell behind: a fresh snapshot once drained, or dropped if they stay stuck. */
  private catchUp(): void {
    const now = Date.now();
    for (const c of this.consoles) {
      if (c.behindSince === null) continue;
      if (c.socket.bufferedAmount === 0) {
        this.sendSnapshot(c);
      } else if (now - c.behindSince > this.settings.stream.maxBehindSeconds * 1000) {
        this.log.warn({ who: c.identity.name }, 'dropping a console that stopped reading');
        this.metrics.dropped.inc({ reason: 'slow' });
        this.consoles.delete(c);
        c.socket.terminate();
      }
    }
  }

  private ping(): void {
    for (const c of this.consoles) {
      if (!c.alive) {
        this.log.info({ who: c.identity.name }, 'dropping a console that missed a ping');
        this.metrics.dropped.inc({ reason: 'no_pong' });
        this.consoles.delete(c);
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      c.socket.ping();
    }
  }

  private send(c: Console, frame: string | Buffer): void {
    if (c.socket.readyState === WebSocket.OPEN) c.socket.send(frame, { binary: false });
  }

  /** Sends what changed, says goodbye to every console and stops the timers. */
  close(): void {
    this.flush();
    this.unsubscribe();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    clearInterval(this.pingTimer);
    clearInterval(this.behindTimer);
    for (const c of this.consoles) c.socket.close(1001, 'collector shutting down');
    this.wss.close();
  }
}
