// The console's WebSocket client: token on the upgrade, hello/snapshot/delta into the store in
// batches (one store update per ~100 ms), resync on a sequence gap, reconnect with backoff and jitter
// (to the next collector of the list first, when there are several); it also gives the store a way
// to send action requests.
import WebSocket from 'ws';
import { excerpt, parsePrintableJson } from '../domain/printable.js';
import { PROTOCOL_VERSION, type AnyServerMessage } from '../domain/protocol.js';
import { failureReason, type CaFile } from '../net/failure.js';
import { authHeaders } from '../net/auth-header.js';
import type { ConsoleStore } from './store.js';

export interface ClientOptions {
  store: ConsoleStore;
  /** ws:// or wss:// URL of /api/v1/stream. */
  url: string;
  /** The stream URLs of further collectors: when one is lost the next is tried at once, in turn. */
  fallbacks?: readonly string[];
  /** Called on each hello with the collector it came from (0: `url`, 1: the first fallback...). */
  onCollector?: (index: number) => void;
  token?: string | undefined;
  /** The CA of a wss:// collector; undefined: the system's CAs. */
  ca?: CaFile | undefined;
  batchMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /**
   * The collector pings every 30 s; a connection silent for this long is dead even if TCP has
   * not noticed (a cable pulled, a laptop resumed), so the client drops it and reconnects.
   */
  silenceMs?: number;
  /** How long the first connection may take to say hello before the console gives up. */
  helloTimeoutMs?: number;
  /** Called once if the very first connection fails: the console then exits with this line. */
  onFatal?: (message: string) => void;
}

export interface Client {
  /** Resolves when the first hello arrived; rejects with a one-line Error when the first connection fails. */
  ready: Promise<void>;
  close(): void;
}

/** Full jitter around an exponential step: spreads many consoles reconnecting to one collector. */
export function backoffDelay(
  attempt: number,
  minMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const step = Math.min(maxMs, minMs * 2 ** attempt);
  return Math.round(step / 2 + random() * (step / 2));
}

export function connectClient(opts: ClientOptions): Client {
  const { store } = opts;
  const urls = [opts.url, ...(opts.fallbacks ?? [])];
  /** The collector tried now, and the failures since the last hello (one per collector tried). */
  let current = 0;
  let failedInRow: string[] = [];
  const batchMs = opts.batchMs ?? 100;
  const minMs = opts.backoffMinMs ?? 500;
  const maxMs = opts.backoffMaxMs ?? 30_000;
  const silenceMs = opts.silenceMs ?? 75_000;
  const helloTimeoutMs = opts.helloTimeoutMs ?? 15_000;
  let ws: WebSocket | null = null;
  let attempt = 0;
  let everConnected = false;
  let closed = false;
  let queue: AnyServerMessage[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let lastHeard = Date.now();
  let resyncAsked = false;
  let unreadableSaid = false;
  /** Why each socket ended, as the operator should read it; the first reason wins. */
  const failures = new WeakMap<WebSocket, string>();
  const watchdog = setInterval(
    () => {
      if (ws && ws.readyState === WebSocket.OPEN && Date.now() - lastHeard > silenceMs) {
        failures.set(ws, `no word from the collector for ${Math.round(silenceMs / 1000)}s`);
        ws.terminate();
      }
    },
    Math.min(5000, silenceMs / 3),
  );
  watchdog.unref();
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });

  const flush = () => {
    flushTimer = undefined;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const { needResync } = store.getState().applyMessages(batch, Date.now());
    // One request until the snapshot comes: the deltas still arriving meanwhile are dropped anyway.
    if (needResync && !resyncAsked && ws?.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: 'resync' }));
      resyncAsked = true;
    }
  };

  const onMessage = (data: WebSocket.RawData) => {
    lastHeard = Date.now();
    const text = data.toString();
    const msg = readFrame(text);
    if (msg === null) {
      // Skipped, so one bad frame cannot stop the feed; said once a connection, as it is the
      // first that tells what went wrong.
      if (!unreadableSaid) {
        unreadableSaid = true;
        queue.push({ type: 'error', error: unreadable(text) });
        flushTimer ??= setTimeout(flush, batchMs);
      }
      return;
    }
    if (msg.type === 'hello' && msg.protocol !== PROTOCOL_VERSION) {
      if (ws) {
        failures.set(
          ws,
          `the collector speaks protocol ${String(msg.protocol)}, this console ${PROTOCOL_VERSION}: use the same corral version on both`,
        );
        ws.terminate();
      }
      return;
    }
    if (msg.type === 'snapshot') resyncAsked = false;
    if (msg.type === 'hello') {
      attempt = 0;
      failedInRow = [];
      everConnected = true;
      opts.onCollector?.(current);
      store.getState().setConnection({ status: 'connected' }, Date.now());
      resolveReady();
    }
    queue.push(msg);
    flushTimer ??= setTimeout(flush, batchMs);
  };

  const fail = (message: string) => {
    if (closed) return;
    failedInRow.push(message);
    current = (current + 1) % urls.length;
    // Every collector of the list had its try: only then is the first connection given up, or
    // the next attempt held back.
    const roundDone = failedInRow.length % urls.length === 0;
    if (!everConnected && roundDone) {
      closed = true;
      clearInterval(watchdog);
      const fatal =
        urls.length === 1 ? message : `no collector answered: ${failedInRow.join('; ')}`;
      rejectReady(new Error(fatal));
      opts.onFatal?.(fatal);
      return;
    }
    const retryAt = Date.now() + (roundDone ? backoffDelay(attempt++, minMs, maxMs) : 0);
    store.getState().setConnection({ status: 'disconnected', error: message, retryAt }, Date.now());
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, retryAt - Date.now());
  };

  function open() {
    if (closed) return;
    store.getState().setConnection({ status: 'connecting' }, Date.now());
    const url = urls[current]!;
    const socket = new WebSocket(url, {
      headers: authHeaders(opts.token),
      handshakeTimeout: 10_000,
      ...(opts.ca && { ca: opts.ca.pem }),
    });
    ws = socket;
    unreadableSaid = false;
    socket.on('open', () => (lastHeard = Date.now()));
    socket.on('ping', () => (lastHeard = Date.now()));
    socket.on('message', onMessage);
    socket.on('unexpected-response', (_req, res) => {
      failures.set(socket, rejection(url, res.statusCode ?? 0));
      socket.terminate();
    });
    socket.on('error', (err) => {
      if (!failures.has(socket)) failures.set(socket, unreachable(url, err, opts.ca));
    });
    // A server that accepts the upgrade but never speaks the protocol is not a collector.
    if (!everConnected) {
      const helloTimer = setTimeout(() => {
        if (everConnected || closed || ws !== socket) return;
        failures.set(
          socket,
          `no hello from ${url} in ${helloTimeoutMs / 1000}s: is this a corral collector?`,
        );
        socket.terminate();
      }, helloTimeoutMs);
      helloTimer.unref();
      socket.once('close', () => clearTimeout(helloTimer));
    }
    socket.on('close', () => {
      if (ws !== socket) return;
      ws = null;
      // Whatever arrived before the close still counts.
      clearTimeout(flushTimer);
      flush();
      fail(failures.get(socket) ?? 'the collector closed the connection');
    });
  }

  // Actions go out on whichever socket is open now; none open means nothing is sent, and the console says so.
  store.getState().setSender((message) => {
    if (closed || ws?.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  });
  open();
  return {
    ready,
    close() {
      closed = true;
      store.getState().setSender(() => false);
      clearInterval(watchdog);
      clearTimeout(flushTimer);
      clearTimeout(retryTimer);
      ws?.terminate();
      ws = null;
    },
  };
}

/** A frame as a message, or null when it is not JSON with a `type`. */
function readFrame(text: string): AnyServerMessage | null {
  let value: unknown;
  try {
    // Every string the console shows comes from here or the fetchers: made printable on arrival.
    value = parsePrintableJson(text);
  } catch {
    return null;
  }
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? (value as AnyServerMessage) : null;
}

function unreadable(text: string): string {
  return `sent a frame this console cannot read, skipped ("${excerpt(text)}"): run the same corral version on both sides, and check that nothing between them alters the stream`;
}

function rejection(url: string, status: number): string {
  const where = `the collector at ${url}`;
  if (status === 401) return `${where} refused the token (401): pass --token or set CORRAL_TOKEN`;
  if (status === 403) return `${where} refused access (403): this token's role may not watch`;
  if (status === 404) return `${where} has no WebSocket stream (404): is this a corral collector?`;
  return `${where} refused the connection (HTTP ${status})`;
}

function unreachable(url: string, err: Error, ca: CaFile | undefined): string {
  const reason = /timeout/i.test(err.message)
    ? 'no answer in time'
    : failureReason(err, new URL(url), ca);
  return `cannot reach the collector at ${url}: ${reason}`;
}
