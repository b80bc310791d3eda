// The HTTP API under /api/v1 (docs/design.md): heartbeats in, slaves out, health and metrics.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { slaveNameProblem } from '../domain/names.js';
import { printable } from '../domain/printable.js';
import { isSlaveState, SLAVE_STATES, type SlaveState } from '../domain/state.js';
import type { ActionEngine } from '../actions/engine.js';
import { ActionRefused, type RefusalReason } from '../actions/request.js';
import { pluginResult } from '../nagios/plugin-result.js';
import type { Auth, Permission, Identity } from './auth.js';
import type { ConnectionLimit } from './connection-limit.js';
import { BrowserRule } from './browser-rule.js';
import { parseListen, type Settings } from './config.js';
import type { Fleet } from './fleet.js';
import type { GroupCommit } from './group-commit.js';
import type { Health } from './health.js';
import type { Hub } from './hub.js';
import { heartbeatsFromBody } from './ingest.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Queries } from './queries.js';
import { StoreUnavailable } from './collector-store.js';
import { UnlistedCap } from './unlisted-cap.js';
import { RELAY_PATH } from '../monitoring/relay-messages.js';

export interface ApiParts {
  settings: Settings;
  auth: Auth;
  fleet: Fleet;
  queries: Queries;
  commits: GroupCommit;
  health: Health;
  hub: Hub;
  metrics: Metrics;
  log: Logger;
  actions: ActionEngine;
  connections: ConnectionLimit;
  /** Where a Nagios relay's connection goes (`nagios.relay: true`); null: this collector takes none. */
  relay?: { accept(req: IncomingMessage, socket: Duplex, head: Buffer, who: string): void } | null;
  /** Whether this collector owns the single-owner work (docs/ha.md); shown by /healthz. */
  owner?: () => boolean;
}

const ACTIONS_DEFAULT = 20;
const ACTIONS_MAX = 500;
/** An action refused as a whole, as HTTP says it. */
const REFUSAL_STATUS: Record<RefusalReason, number> = {
  invalid: 400,
  forbidden: 403,
  unavailable: 503,
};
/** After a 413 the rest of the body is not read, so the connection cannot be reused. */
const CLOSE = { connection: 'close' };

/** The slave name in a URL path; a malformed %-escape is the client's mistake, not ours. */
function slaveInPath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(
      400,
      `"${raw}" in the path is not a valid URL-encoded slave name: write the name as is (letters, digits, ".", "_", "-")`,
      'slave',
    );
  }
}

/** The client closed the connection before its request was read: nobody is left to answer. */
class ClientGone extends Error {}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function createApi(parts: ApiParts) {
  const { settings, auth, fleet, queries, commits, metrics, log } = parts;
  const browsers = new BrowserRule({
    listenHost: parseListen(settings.listen).host,
    machineName: hostname(),
    allowedHosts: settings.http.allowedHosts,
    checkHost: auth.open || settings.http.allowedHosts.length > 0,
  });

  const unlisted = new UnlistedCap(fleet, settings.limits.unlistedSlaves, (count) =>
    log.warn(
      { unlisted: count, limit: settings.limits.unlistedSlaves },
      'limits.unlisted_slaves reached: heartbeats that would create more slaves not in the inventory are refused (429)',
    ),
  );

  /** Refuses what a web page sent (docs/security.md), before anything else is looked at. */
  function browserRefusal(req: IncomingMessage) {
    const refusal = browsers.refusal(req.headers);
    if (refusal) metrics.rejected.inc({ reason: refusal.reason });
    return refusal;
  }

  function authorize(req: IncomingMessage, needs: Permission): Identity {
    const result = auth.check(req, needs);
    if (!result.ok) {
      metrics.rejected.inc({ reason: 'auth' });
      throw new HttpError(result.status, result.error);
    }
    return result.identity;
  }

  async function postHeartbeats(req: IncomingMessage, res: ServerResponse, slave?: string) {
    authorize(req, 'heartbeat');
    const body = await readJson(req, settings.limits.bodyBytes, slave !== undefined);
    const started = process.hrtime.bigint();
    let payload: unknown = body;
    if (slave !== undefined) {
      const problem = slaveNameProblem(slave);
      if (problem) throw new HttpError(400, problem, 'slave');
      if (body === undefined) payload = { slave };
      else if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new HttpError(400, 'expected a JSON object (or no body)');
      } else {
        const named = (body as { slave?: unknown }).slave;
        if (named !== undefined && named !== slave) {
          throw new HttpError(
            400,
            `the body names slave "${String(named)}" but the URL names "${slave}"`,
            'slave',
          );
        }
        payload = { ...body, slave };
      }
    }
    const result = heartbeatsFromBody(payload, settings.limits, Date.now());
    if (!result.ok) throw new HttpError(400, result.problem.error, result.problem.field);
    const admission = unlisted.admit(result.heartbeats);
    if (!admission.ok) {
      metrics.rejected.inc({ reason: 'unlisted_slaves' });
      // 429: agents keep the heartbeats spooled, to send once the slaves are listed.
      throw new HttpError(429, admission.error, undefined, { 'retry-after': '600' });
    }
    try {
      await commits.submit(result.heartbeats);
    } catch (err) {
      throw new HttpError(503, `${(err as Error).message}; nothing was stored, send it again`);
    } finally {
      admission.release();
    }
    metrics.ingestLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
    send(res, 202, { accepted: result.heartbeats.length });
  }

  function listSlaves(req: IncomingMessage, res: ServerResponse, url: URL) {
    authorize(req, 'view');
    const states = parseStates(url.searchParams.get('state'));
    const now = Date.now();
    send(res, 200, {
      serverTime: new Date(now).toISOString(),
      slaves: queries.slaves(now, states),
    });
  }

  function listCauses(req: IncomingMessage, res: ServerResponse) {
    authorize(req, 'view');
    const now = Date.now();
    send(res, 200, { serverTime: new Date(now).toISOString(), causes: queries.causes(now) });
  }

  async function showSlave(req: IncomingMessage, res: ServerResponse, name: string) {
    authorize(req, 'view');
    const now = Date.now();
    const slave = await queries.slave(name, now);
    if (!slave) {
      throw noSuchSlave(name);
    }
    send(res, 200, { serverTime: new Date(now).toISOString(), slave });
  }

  /** `corral check`'s line as text, for plugins that cannot parse JSON (bin/corral-check.sh). */
  function checkSlave(req: IncomingMessage, res: ServerResponse, name: string) {
    authorize(req, 'view');
    const view = queries.view(name, Date.now());
    if (!view) {
      throw noSuchSlave(name);
    }
    const text = `${pluginResult(view).line}\n`;
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  async function postAction(req: IncomingMessage, res: ServerResponse) {
    const identity = authorize(req, 'act');
    const body = await readJson(req, settings.limits.bodyBytes, false);
    try {
      const result = await parts.actions.submit(body, identity.name);
      send(res, 'dryRun' in result ? 200 : 202, 'dryRun' in result ? result : { action: result });
    } catch (err) {
      if (err instanceof ActionRefused) {
        throw new HttpError(REFUSAL_STATUS[err.reason], err.message, err.field);
      }
      throw err;
    }
  }

  async function listActions(req: IncomingMessage, res: ServerResponse, url: URL) {
    authorize(req, 'view');
    const rawLimit = url.searchParams.get('limit');
    const limit = rawLimit === null ? ACTIONS_DEFAULT : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > ACTIONS_MAX) {
      throw new HttpError(400, `limit must be a whole number from 1 to ${ACTIONS_MAX}`, 'limit');
    }
    const slave = url.searchParams.get('slave') ?? undefined;
    const actions = await queries.actions(limit, slave);
    send(res, 200, { serverTime: new Date().toISOString(), actions });
  }

  async function showAction(req: IncomingMessage, res: ServerResponse, id: number) {
    authorize(req, 'view');
    const found = await queries.action(id);
    if (!found) throw new HttpError(404, `no action number ${id}`);
    send(res, 200, { serverTime: new Date().toISOString(), ...found });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://collector');
    const p = url.pathname;
    const method = req.method ?? 'GET';
    const slaveRoute = /^\/api\/v1\/slaves\/([^/]+)(\/heartbeat)?$/.exec(p);
    if (p === '/api/v1/heartbeats') {
      allow(method, 'POST');
      return postHeartbeats(req, res);
    }
    if (slaveRoute?.[2]) {
      allow(method, 'POST');
      return postHeartbeats(req, res, slaveInPath(slaveRoute[1]!));
    }
    if (slaveRoute) {
      allow(method, 'GET');
      return showSlave(req, res, slaveInPath(slaveRoute[1]!));
    }
    const checkRoute = /^\/api\/v1\/slaves\/([^/]+)\/check$/.exec(p);
    if (checkRoute) {
      allow(method, 'GET');
      return checkSlave(req, res, slaveInPath(checkRoute[1]!));
    }
    if (p === '/api/v1/slaves') {
      allow(method, 'GET');
      return listSlaves(req, res, url);
    }
    if (p === '/api/v1/causes') {
      allow(method, 'GET');
      return listCauses(req, res);
    }
    if (p === '/api/v1/actions') {
      if (method === 'POST') return postAction(req, res);
      allow(method, 'GET');
      return listActions(req, res, url);
    }
    const actionRoute = /^\/api\/v1\/actions\/(\d+)$/.exec(p);
    if (actionRoute) {
      allow(method, 'GET');
      return showAction(req, res, Number(actionRoute[1]));
    }
    if (p === '/healthz') {
      allow(method, 'GET');
      // 503 when degraded, so that check_http and load balancers see it without parsing.
      const report = parts.health.report();
      return send(res, report.status === 'ok' ? 200 : 503, {
        ...report,
        slaves: fleet.size,
        consoles: parts.hub.connected,
        ...(parts.owner && { owner: parts.owner() }),
      });
    }
    if (p === '/metrics') {
      allow(method, 'GET');
      authorize(req, 'view');
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
      return;
    }
    throw new HttpError(404, `no such endpoint: ${method} ${p} (see docs/design.md, HTTP API)`);
  }

  return {
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      try {
        const crowded = parts.connections.refusal(req.socket);
        if (crowded) {
          req.resume();
          throw new HttpError(503, crowded.error, undefined, { ...CLOSE, 'retry-after': '5' });
        }
        const refusal = browserRefusal(req);
        if (refusal) throw new HttpError(refusal.status, refusal.error);
        await route(req, res);
      } catch (err) {
        if (err instanceof ClientGone) {
          log.debug(
            { method: req.method, url: req.url },
            'client went away before its request was read',
          );
        } else if (err instanceof HttpError) {
          if (err.status === 400) metrics.rejected.inc({ reason: 'bad_input' });
          if (err.status === 413) metrics.rejected.inc({ reason: 'too_large' });
          if (err.status === 415) metrics.rejected.inc({ reason: 'content_type' });
          const body =
            err.field === undefined
              ? { error: err.message }
              : { error: err.message, field: err.field };
          send(res, err.status, body, err.headers);
        } else if (err instanceof StoreUnavailable) {
          send(res, 503, { error: err.message }, { 'retry-after': '5' });
        } else {
          log.error({ err }, 'request failed');
          send(res, 500, { error: 'internal error; the collector log says more' });
        }
      }
    },

    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      const url = new URL(req.url ?? '/', 'http://collector');
      const crowded = parts.connections.refusal(req.socket);
      if (crowded) return refuseUpgrade(socket, 503, crowded.error);
      const refusal = browserRefusal(req);
      if (refusal) return refuseUpgrade(socket, refusal.status, refusal.error);
      if (url.pathname === RELAY_PATH) {
        const relay = auth.check(req, 'relay');
        if (!relay.ok) return refuseUpgrade(socket, relay.status, relay.error);
        if (!parts.relay) {
          return refuseUpgrade(
            socket,
            404,
            'this collector takes no Nagios relay: set nagios.relay: true in its corral.yaml',
          );
        }
        return parts.relay.accept(req, socket, head, relay.identity.name);
      }
      if (url.pathname !== '/api/v1/stream')
        return refuseUpgrade(socket, 404, 'the stream is at /api/v1/stream');
      const result = auth.check(req, 'view');
      if (!result.ok) return refuseUpgrade(socket, result.status, result.error);
      parts.hub.accept(req, socket, head, result.identity);
    },
  };
}

function noSuchSlave(name: string): HttpError {
  return new HttpError(404, `no slave named "${name}" has been heard from or is in the inventory`);
}

function allow(method: string, expected: string): void {
  if (method !== expected) {
    throw new HttpError(405, `${method} is not allowed here: use ${expected}`, undefined, {
      allow: expected,
    });
  }
}

function parseStates(param: string | null): Set<SlaveState> | null {
  if (param === null || param === '') return null;
  const states = new Set<SlaveState>();
  for (const s of param.split(',')) {
    if (!isSlaveState(s.trim())) {
      throw new HttpError(400, `unknown state "${s}": use ${SLAVE_STATES.join(', ')}`, 'state');
    }
    states.add(s.trim() as SlaveState);
  }
  return states;
}

/** Reads the body up to the limit; `undefined` for an empty body when that is allowed. */
async function readJson(
  req: IncomingMessage,
  limit: number,
  emptyAllowed: boolean,
): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    throw new HttpError(
      413,
      `the body is ${declared} bytes; the limit is ${limit}: send smaller batches`,
      undefined,
      CLOSE,
    );
  }
  const chunks = await readBody(req, limit);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    if (emptyAllowed) return undefined;
    throw new HttpError(
      400,
      'the body is empty: send a heartbeat as JSON, e.g. {"slave": "talos-r3-fed-001"}',
    );
  }
  // A web page can send text/plain across sites without asking; it cannot send JSON so.
  const type = req.headers['content-type'];
  if (type?.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    throw new HttpError(
      415,
      `the body is ${type === undefined ? 'not labelled' : `labelled "${type}"`}: send it with "Content-Type: application/json"`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // V8 quotes the body in its message: shown, not passed raw to whoever prints the answer.
    throw new HttpError(400, `the body is not valid JSON: ${printable((err as Error).message)}`);
  }
}

/** The body's chunks; events rather than an async iterator, which costs more per request. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(
          new HttpError(
            413,
            `the body is over the limit of ${limit} bytes: send smaller batches`,
            undefined,
            CLOSE,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks));
    // An upload the client aborted: a fact of networks, not a fault of ours.
    req.on('error', () => reject(new ClientGone()));
    req.on('close', () => {
      if (!req.complete) reject(new ClientGone());
    });
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function refuseUpgrade(socket: Duplex, status: number, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
