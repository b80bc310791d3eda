// One HTTP or HTTPS request to a collector, verified against the CA the operator gave (Node's fetch
// takes no CA per request), bounded by a signal; a failure carries a reason an operator can act on.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { authHeaders } from './auth-header.js';
import { failureReason, type CaFile } from './failure.js';

export interface RequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** The collector's access token, sent as `Authorization: Bearer`; none without one. */
  token?: string | undefined;
  body?: string;
  /** Bounds the whole exchange, connect to the answer's last byte. */
  signal: AbortSignal;
  /** The CA that signed the collector's certificate; without it, the system's CAs. */
  ca?: CaFile | undefined;
  /** Gives up when the connection (TLS included) is not up within this, so a list can go on to the next collector. */
  connectTimeoutMs?: number | undefined;
}

export interface Answer {
  status: number;
  text: string;
}

/** Why a request got no answer: `reason` is a phrase to follow "cannot reach the collector at URL: ". */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly reason: string,
    /** Nothing came back in time (as opposed to a refusal at the door). */
    readonly timedOut: boolean,
    /** Node's error code: ECONNREFUSED, ENOTFOUND, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ... */
    readonly code: string | undefined,
    /** The connection was up, so the collector may have taken the request (false: it cannot have). */
    readonly sent: boolean,
  ) {
    super(reason);
  }
}

/** Resolves with any HTTP status; rejects only with RequestError. */
export function request(url: string, opts: RequestOptions): Promise<Answer> {
  const target = new URL(url);
  const headers = { ...opts.headers, ...authHeaders(opts.token) };
  if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
  const connectTimeout = new AbortController();
  const signal = AbortSignal.any([opts.signal, connectTimeout.signal]);
  let connected = false;
  let connectTimer: NodeJS.Timeout | undefined;
  return new Promise<Answer>((resolve, reject) => {
    const fail = (err: unknown) => {
      const { code } = err as { code?: string };
      const reason = connectTimeout.signal.aborted
        ? `no connection within ${opts.connectTimeoutMs} ms`
        : failureReason(err, target, opts.ca);
      reject(new RequestError(reason, signal.aborted, code, connected));
    };
    const onAnswer = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', fail);
    };
    const common = { method: opts.method ?? 'GET', headers, signal };
    let req;
    try {
      req =
        target.protocol === 'https:'
          ? httpsRequest(target, { ...common, ...(opts.ca && { ca: opts.ca.pem }) }, onAnswer)
          : httpRequest(target, common, onAnswer);
    } catch (err) {
      fail(err); // a header Node refuses (a token with a newline)
      return;
    }
    req.on('error', fail);
    const sending = req;
    sending.on('socket', (socket) => {
      const up = () => {
        connected = true;
        clearTimeout(connectTimer);
      };
      // A socket kept alive from an earlier request is up already.
      if (sending.reusedSocket) up();
      else socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', up);
    });
    if (opts.connectTimeoutMs !== undefined) {
      connectTimer = setTimeout(() => connected || connectTimeout.abort(), opts.connectTimeoutMs);
    }
    req.end(opts.body);
  }).finally(() => clearTimeout(connectTimer));
}
