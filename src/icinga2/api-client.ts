// Requests to Icinga 2's REST API: always TLS verified against the configured CA (by `servername`
// when the certificate names the node, not the URL's host), basic auth from settings (never argv,
// never logged), keep-alive sockets, each request bounded; failures as one operator-facing line.
import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';

export interface ApiTarget {
  /** `https://icinga-master:5665` */
  url: string;
  /** The CA certificate(s) to pin, and the file they came from (for messages). */
  ca: { file: string; pem: string };
  /** The name to verify the certificate against, when it differs from the URL's host. */
  servername: string | null;
  user: string;
  password: string;
}

export type ApiFailure =
  'unreachable' | 'tls' | 'unauthorized' | 'forbidden' | 'timeout' | 'answer';

/** Why Icinga gave no usable answer; `message` is one line naming what to do. */
export class IcingaApiError extends Error {
  override name = 'IcingaApiError';
  constructor(
    readonly failure: ApiFailure,
    message: string,
  ) {
    super(message);
  }

  /** Icinga itself refused (credentials, permissions): sending again changes nothing. */
  get refusal(): boolean {
    return this.failure === 'unauthorized' || this.failure === 'forbidden';
  }
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

export class ApiClient {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly auth: string;

  constructor(private readonly target: ApiTarget) {
    this.base = new URL(target.url);
    this.auth = `Basic ${Buffer.from(`${target.user}:${target.password}`).toString('base64')}`;
    this.agent = new Agent({ keepAlive: true, maxSockets: 8 });
  }

  get url(): string {
    return this.base.origin;
  }

  /**
   * One request; `permission` is what Icinga needs to grant for it (named on a 403). Resolves
   * with any status but 401/403; a query (`query: true`) is a POST that Icinga reads as a GET,
   * so long filters need not fit in the URL.
   */
  call(
    path: string,
    opts: { body?: unknown; query?: boolean; permission: string; timeoutMs: number },
  ): Promise<ApiAnswer> {
    return new Promise((resolve, reject) => {
      // verbose: a 404 then says which permission is missing (Icinga 2.13 answers 404, not 403).
      const text = JSON.stringify({ ...(opts.body as object | undefined), verbose: true });
      const req = request(
        new URL(path, this.base),
        this.options(opts.timeoutMs, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(text)),
          ...(opts.query && { 'x-http-method-override': 'GET' }),
        }),
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(this.failure(err)));
          res.on('end', () => {
            if (res.statusCode === 401) return reject(this.unauthorized());
            const raw = Buffer.concat(chunks).toString('utf8');
            let body: unknown;
            try {
              body = raw === '' ? null : JSON.parse(raw);
            } catch {
              reject(
                new IcingaApiError(
                  'answer',
                  `Icinga 2 at ${this.url} answered ${res.statusCode} with something that is not JSON: is icinga2.url the Icinga API (port 5665)?`,
                ),
              );
              return;
            }
            // An action's 403 with results is one object's answer (passive checks disabled), not ours.
            const results = Array.isArray((body as { results?: unknown } | null)?.results);
            if (res.statusCode === 403 && !results)
              return reject(this.forbidden(opts.permission, 403));
            const missing = missingPermission(res.statusCode, body);
            if (missing) return reject(this.forbidden(missing, 404));
            resolve({ status: res.statusCode ?? 0, body });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (err) => reject(this.failure(err)));
      req.end(text);
    });
  }

  /**
   * The event stream: resolves with the response once Icinga accepted it (its lines are read by
   * the caller); a refusal or failure rejects. `signal` ends it.
   */
  openStream(
    path: string,
    permission: string,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.base), {
        ...this.options(timeoutMs, { 'content-length': '0' }),
        agent: false, // its own socket: a long-lived response must not hold one of the agent's
        signal,
      });
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (err) => reject(this.failure(err)));
      req.on('response', (res) => {
        if (res.statusCode === 401 || res.statusCode === 403) {
          res.resume();
          return reject(
            res.statusCode === 401 ? this.unauthorized() : this.forbidden(permission, 403),
          );
        }
        if (res.statusCode === 404) {
          // Icinga 2.13 answers a stream it may not open (a missing events/ permission) with 404.
          res.resume();
          return reject(this.forbidden(permission, 404));
        }
        if (res.statusCode !== 200) {
          res.resume();
          return reject(
            new IcingaApiError(
              'answer',
              `Icinga 2 at ${this.url} refused the event stream with ${res.statusCode}`,
            ),
          );
        }
        req.setTimeout(0); // events may be minutes apart: the stream's own watch decides
        resolve(res);
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private options(timeoutMs: number, headers: Record<string, string>): RequestOptions {
    return {
      method: 'POST',
      agent: this.agent,
      ca: this.target.ca.pem,
      // Node checks the certificate's names against servername when one is given, else the host.
      ...(this.target.servername !== null && { servername: this.target.servername }),
      timeout: timeoutMs,
      headers: { accept: 'application/json', authorization: this.auth, ...headers },
    };
  }

  private unauthorized(): IcingaApiError {
    return new IcingaApiError(
      'unauthorized',
      `Icinga 2 at ${this.url} refused user "${this.target.user}" (401): check icinga2.user and the password in corral.yaml against the ApiUser (corral icinga2-config prints it)`,
    );
  }

  private forbidden(permission: string, status: number): IcingaApiError {
    return new IcingaApiError(
      'forbidden',
      `Icinga 2 at ${this.url} refused user "${this.target.user}" the permission ${permission} (${status}): add it to the ApiUser's permissions (corral icinga2-config prints them)`,
    );
  }

  private failure(
    err: Error & { code?: string; cert?: { subjectaltname?: string } },
  ): IcingaApiError {
    const at = `cannot reach Icinga 2 at ${this.url}`;
    const code = err.code ?? '';
    if (UNTRUSTED.has(code)) {
      return new IcingaApiError(
        'tls',
        `${at}: its certificate is not signed by the CA in ${this.target.ca.file} (${code}): set icinga2.ca to the Icinga CA (/var/lib/icinga2/certs/ca.crt on the master)`,
      );
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      const name = this.target.servername ?? this.base.hostname;
      return new IcingaApiError(
        'tls',
        `${at}: its certificate is not for "${name}" (it holds ${err.cert?.subjectaltname ?? 'no names'}): set icinga2.servername to the node's name`,
      );
    }
    if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
      return new IcingaApiError(
        'tls',
        `${at}: its certificate ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'}`,
      );
    }
    if (code === 'ETIMEDOUT') return new IcingaApiError('timeout', `${at}: no answer in time`);
    if (code === 'ECONNREFUSED') {
      return new IcingaApiError(
        'unreachable',
        `${at}: connection refused (is icinga2 running, with the api feature?)`,
      );
    }
    return new IcingaApiError('unreachable', `${at}: ${err.message}`);
  }
}

/** The permission a verbose 404 names: `Missing permission: actions/schedule-downtime`. */
function missingPermission(status: number | undefined, body: unknown): string | null {
  if (status !== 404) return null;
  const info = (body as { diagnostic_information?: unknown } | null)?.diagnostic_information;
  const m = typeof info === 'string' ? /Missing permission: (\S+)/.exec(info) : null;
  return m ? m[1]! : null;
}
