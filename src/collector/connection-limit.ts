// Bounds the connections the collector holds (in all and per client address) and closes those
// that never send a request, so idle sockets cannot use up its file descriptors (docs/security.md).
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { Settings } from './config.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** A refused connection is kept this long at most, for its request to be answered 503. */
const REFUSAL_GRACE_MS = 2000;
/** Refused connections waiting for their 503 at once; past this they are closed unanswered. */
const REFUSING_MAX = 64;
/** A flood of refusals is one log line a minute. */
const LOG_EVERY_MS = 60_000;
/** Descriptors the collector needs besides connections: SQLite, Nagios files, reboot commands. */
const OTHER_FILES = 256;

export interface ConnectionRefusal {
  limit: 'total' | 'per_address';
  error: string;
}

export class ConnectionLimit {
  private open = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly refused = new WeakMap<Socket, ConnectionRefusal>();
  private refusing = 0;
  private refusedSinceLog = 0;
  private lastLog = -Infinity;
  /** Closes a connection that sent no request within the idle timeout (`this` is the socket). */
  private readonly closeIdle: (this: Socket) => void;

  constructor(
    private readonly limits: Settings['http'],
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.closeIdle = function (this: Socket) {
      metrics.connectionsIdleClosed.inc();
      this.destroy();
    };
  }

  /** Counts the server's connections from now on; call once, right after creating it. */
  watch(server: Server): void {
    const openFiles = openFilesLimit();
    if (openFiles !== null && this.limits.maxConnections + OTHER_FILES > openFiles) {
      this.log.warn(
        { maxConnections: this.limits.maxConnections, openFiles },
        `http.max_connections leaves under ${OTHER_FILES} of the ${openFiles} open files this process may have for its database and commands: lower it, or raise the limit (ulimit -n, LimitNOFILE=)`,
      );
    }
    // Before the HTTP parser is attached, so a refused socket is marked before its first request.
    // Over TLS, the socket requests arrive on is the TLS one (the handshake has its own timeout).
    const event = server instanceof TlsServer ? 'secureConnection' : 'connection';
    server.prependListener(event, (socket: Socket) => this.accept(socket));
    // Once a request has come, requestTimeout and keepAliveTimeout take over.
    const active = (req: { socket: Socket }) => {
      req.socket.setTimeout(0);
      req.socket.off('timeout', this.closeIdle);
    };
    server.on('request', active);
    server.on('upgrade', active);
  }

  /** Why this connection is refused (its request is answered 503), or null. */
  refusal(socket: Socket): ConnectionRefusal | null {
    return this.refused.get(socket) ?? null;
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = this.perAddress.get(address) ?? 0;
    const refusal =
      this.open >= this.limits.maxConnections
        ? {
            limit: 'total' as const,
            error: `the collector has ${this.open} connections open, its limit (http.max_connections in corral.yaml): try again shortly`,
          }
        : fromAddress >= this.limits.maxConnectionsPerAddress
          ? {
              limit: 'per_address' as const,
              error: `${address} has ${fromAddress} connections open to the collector, its limit per address (http.max_connections_per_address in corral.yaml): close idle ones or try again shortly`,
            }
          : null;
    if (refusal) return this.refuse(socket, refusal);

    this.open++;
    this.perAddress.set(address, fromAddress + 1);
    this.metrics.connectionsOpen.inc();
    socket.setTimeout(this.limits.idleTimeoutSeconds * 1000);
    socket.once('timeout', this.closeIdle);
    socket.once('close', () => {
      this.open--;
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left === 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
      this.metrics.connectionsOpen.dec();
    });
  }

  private refuse(socket: Socket, refusal: ConnectionRefusal): void {
    this.metrics.connectionsRefused.inc({ limit: refusal.limit });
    this.noteRefused(refusal);
    if (this.refusing >= REFUSING_MAX) {
      socket.destroy();
      return;
    }
    this.refusing++;
    this.refused.set(socket, refusal);
    socket.setTimeout(REFUSAL_GRACE_MS, () => socket.destroy());
    socket.once('close', () => this.refusing--);
  }

  private noteRefused(refusal: ConnectionRefusal): void {
    this.refusedSinceLog++;
    const now = Date.now();
    if (now - this.lastLog < LOG_EVERY_MS) return;
    this.log.warn(
      { refused: this.refusedSinceLog, open: this.open, reason: refusal.error },
      'connections refused: a connection limit is reached',
    );
    this.refusedSinceLog = 0;
    this.lastLog = now;
  }
}

/** The process's open-file limit, where the system tells it (Linux); null elsewhere. */
function openFilesLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
