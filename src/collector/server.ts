// The collector's listening server: plain HTTP, or HTTPS (and so WSS) when corral.yaml has `tls:`;
// on SIGHUP a renewed certificate is taken without dropping a connection.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from './logger.js';
import { keyReadableByOthers, readTlsFiles, type TlsSettings } from './tls-files.js';

/** The API: what answers requests and WebSocket upgrades. */
export interface ServerHandlers {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface CollectorServer {
  server: Server;
  /** `http` or `https`: what the collector's URL starts with. */
  scheme: 'http' | 'https';
  /** Reads the certificate and key again (after a renewal); a bad pair keeps the current one. */
  reloadCertificate(): void;
}

const OPTIONS = { keepAliveTimeout: 65_000, requestTimeout: 30_000 };

/** Throws TlsFileError (naming the file and the setting) when the certificate or key is unusable. */
export function createCollectorServer(
  tls: TlsSettings | null,
  handlers: ServerHandlers,
  log: Logger,
): CollectorServer {
  if (tls === null) {
    const server = createHttpServer(OPTIONS, (req, res) => void handlers.handle(req, res));
    return wire(server, handlers, 'http', () => {});
  }
  warnIfKeyIsOpen(tls.key, log);
  const server = createHttpsServer(
    { ...OPTIONS, ...readTlsFiles(tls) },
    (req, res) => void handlers.handle(req, res),
  );
  return wire(server, handlers, 'https', () => reload(server, tls, log));
}

function wire(
  server: Server | HttpsServer,
  handlers: ServerHandlers,
  scheme: 'http' | 'https',
  reloadCertificate: () => void,
): CollectorServer {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    handlers.upgrade(req, socket, head),
  );
  server.on('clientError', (_err, socket: Duplex) => socket.destroy());
  // An https.Server is an http.Server for everything the collector does with it.
  return { server: server as Server, scheme, reloadCertificate };
}

function reload(server: HttpsServer, tls: TlsSettings, log: Logger): void {
  try {
    server.setSecureContext(readTlsFiles(tls));
    warnIfKeyIsOpen(tls.key, log);
    log.info({ cert: tls.cert }, 'certificate reloaded');
  } catch (err) {
    log.error(
      { reason: (err as Error).message },
      'certificate not reloaded; keeping the current one',
    );
  }
}

function warnIfKeyIsOpen(keyFile: string, log: Logger): void {
  if (keyReadableByOthers(keyFile)) {
    log.warn(
      { key: keyFile },
      'the TLS key is readable by every user on this machine: chmod 600 (or 640 with the collector in its group)',
    );
  }
}
