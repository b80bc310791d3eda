// The WebSocket feed: hello, snapshot, then coalesced deltas to every console, with backpressure.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import {
  PROTOCOL_VERSION,
  type DeltaMessage,
  type HelloMessage,
  type ServerMessage,
  type SnapshotMessage,
} from '../domain/protocol.js';
import type { Identity } from './auth.js';
import type { Settings } from './config.js';
import type { Fleet } from './fleet.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

interface Console {
  socket: WebSocket;
  identity: Identity;
  alive: boolean;
  /** Since when deltas are being held back because the console is not reading; null when keeping up. */
  behindSince: number | null;
}

export class Hub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly consoles = new Set<Console>();
  private seq = 0;
  private lastFlush = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly behindTimer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly fleet: Fleet,
    private readonly settings: Settings,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.unsubscribe = fleet.onChange(() => this.scheduleFlush());
    this.pingTimer = setInterval(() => this.ping(), settings.stream.pingIntervalSeconds * 1000);
    this.behindTimer = setInterval(() => this.catchUp(), 250);
    this.pingTimer.unref();
    this.behindTimer.unref();
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
    const hello: HelloMessage = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      serverTime: new Date(now).toISOString(),
      thresholds: this.settings.thresholds,
      you: { name: identity.name, role: identity.role },
    };
    this.send(c, JSON.stringify(hello));
    this.sendSnapshot(c);
    this.log.info({ who: identity.name, consoles: this.consoles.size }, 'console connected');
  }

  private onMessage(c: Console, text: string, isBinary: boolean): void {
    let type: unknown;
    try {
      type = isBinary ? undefined : (JSON.parse(text) as { type?: unknown }).type;
    } catch {
      type = undefined;
    }
    if (type === 'resync') {
      this.sendSnapshot(c);
      return;
    }
    this.send(
      c,
      JSON.stringify({
        type: 'error',
        error: `unknown request type: send {"type":"resync"}`,
      } satisfies ServerMessage),
    );
  }

  private sendSnapshot(c: Console): void {
    const now = Date.now();
    const snapshot: SnapshotMessage = {
      type: 'snapshot',
      seq: this.seq,
      serverTime: new Date(now).toISOString(),
      slaves: this.fleet.views(now),
    };
    c.behindSince = null;
    this.metrics.resyncs.inc();
    this.send(c, JSON.stringify(snapshot));
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
    const delta: DeltaMessage = {
      type: 'delta',
      seq: this.seq,
      serverTime: new Date(now).toISOString(),
      changed: changed.flatMap((name) => this.fleet.view(name, now) ?? []),
      removed,
    };
    // Serialised and encoded once for every console.
    const frame = Buffer.from(JSON.stringify(delta));
    for (const c of this.consoles) {
      if (c.behindSince !== null) continue;
      if (c.socket.bufferedAmount > this.settings.stream.maxBufferedBytes) {
        // It missed this delta; it gets a whole snapshot once it has drained.
        c.behindSince = now;
        continue;
      }
      this.send(c, frame);
    }
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
