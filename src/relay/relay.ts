// The Nagios relay: a small process on the Nagios host that owns the command file and status.dat and
// connects out to the collector with a `relay` token. It builds every command line itself, from the
// names and text it is sent (checked again here), answers per target, and sends status.dat's
// contents whenever they change. It never runs anything else: no remote command execution.
import type { Logger } from 'pino';
import { WebSocket, type RawData } from 'ws';
import type { Answer, MonitorAction, PassiveResult, SlaveRef } from '../monitoring/monitor.js';
import type { NagiosMonitor } from '../monitoring/nagios.js';
import {
  problemOf,
  RELAY_PROTOCOL,
  requestSchema,
  statusToWire,
  type RelayAction,
  type RelayAnswer,
  type RelayHealth,
  type RelayMessage,
  type RelayRequest,
  type RelayTarget,
} from '../monitoring/relay-messages.js';
import { authHeaders } from '../net/auth-header.js';
import { failureReason, type CaFile } from '../net/failure.js';

const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 15_000;
/** A collector silent this long (no ping, no request) is gone: connect again. */
const SILENT_MS = 45_000;

export interface RelayOptions {
  /** ws:// or wss:// address of the collector's relay endpoint. */
  url: string;
  token: string | undefined;
  ca: CaFile | undefined;
}

export class NagiosRelay {
  private ws: WebSocket | null = null;
  private retryMs = FIRST_RETRY_MS;
  private retry: NodeJS.Timeout | null = null;
  private silence: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly unsubscribe: () => void;
  /** Said once per kind of failure, so a collector away for hours is one log line. */
  private lastFailure: string | null = null;

  constructor(
    private readonly options: RelayOptions,
    private readonly nagios: NagiosMonitor,
    private readonly log: Logger,
  ) {
    this.unsubscribe = nagios.subscribe({
      readBack: () => this.sendStatus(),
      back: (why) => this.send({ type: 'back', why }),
      health: () => this.send({ type: 'health', health: this.healthNow() }),
    });
  }

  async start(): Promise<void> {
    await this.nagios.start();
    this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.silence) clearTimeout(this.silence);
    this.unsubscribe();
    this.ws?.close(1001, 'relay stopping');
    await this.nagios.close();
  }

  private connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.options.url, {
      headers: authHeaders(this.options.token),
      handshakeTimeout: 10_000,
      maxPayload: 64 * 1024 * 1024,
      ...(this.options.ca && { ca: this.options.ca.pem }),
    });
    this.ws = ws;
    ws.on('open', () => {
      this.retryMs = FIRST_RETRY_MS;
      this.lastFailure = null;
      this.heard();
      this.log.info({ collector: this.options.url }, 'connected to the collector');
      this.send({
        type: 'relay-hello',
        protocol: RELAY_PROTOCOL,
        confirms: this.nagios.confirms,
        health: this.healthNow(),
      });
      this.sendStatus();
    });
    ws.on('ping', () => this.heard());
    ws.on('message', (data) => {
      this.heard();
      void this.onRequest(data);
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString().slice(0, 500)));
      res.on('end', () => {
        const error = safeError(body);
        this.failed(
          `the collector refused the relay (${res.statusCode})${error ? `: ${error}` : ''}`,
        );
        ws.terminate();
      });
    });
    ws.on('error', (err) =>
      this.failed(
        `cannot reach the collector at ${this.options.url}: ${failureReason(err, new URL(this.options.url), this.options.ca)}`,
      ),
    );
    ws.on('close', () => {
      if (this.ws === ws) this.ws = null;
      if (this.silence) clearTimeout(this.silence);
      this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    // Jittered so relays behind one collector that restarted do not all knock at once.
    const wait = this.retryMs * (0.75 + Math.random() / 2);
    this.retryMs = Math.min(this.retryMs * 2, LAST_RETRY_MS);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect();
    }, wait);
  }

  private heard(): void {
    if (this.silence) clearTimeout(this.silence);
    this.silence = setTimeout(() => this.ws?.terminate(), SILENT_MS);
    this.silence.unref();
  }

  private failed(why: string): void {
    if (why === this.lastFailure) return;
    this.lastFailure = why;
    this.log.warn({ collector: this.options.url }, `${why}; trying again`);
  }

  private healthNow(): RelayHealth {
    const h = this.nagios.health();
    return { problem: h.problem, since: h.since, delivering: this.nagios.delivering };
  }

  private sendStatus(): void {
    const status = this.nagios.status;
    if (status) this.send({ type: 'status', status: statusToWire(status) });
  }

  private send(message: RelayMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** A request checked whole first: anything that does not fit is refused, and nothing is written. */
  private async onRequest(data: RawData): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      this.log.warn('a request from the collector is not JSON: ignored');
      return;
    }
    const checked = requestSchema.safeParse(parsed);
    if (!checked.success) {
      this.log.warn(
        { problem: problemOf(checked.error) },
        'a request from the collector was refused',
      );
      const id = (parsed as { id?: unknown } | null)?.id;
      if (typeof id === 'number') {
        const reason = `the relay refused the request: ${problemOf(checked.error)}`;
        this.send({ type: 'answers', id, answers: [{ outcome: 'refused', reason }], lines: [] });
      }
      return;
    }
    const request = checked.data;
    try {
      this.send(await this.carryOut(request));
    } catch (err) {
      const reason = `the relay failed: ${(err as Error).message}`;
      this.log.error({ reason }, 'a request from the collector failed');
      this.send({
        type: 'answers',
        id: request.id,
        answers: [{ outcome: 'unsent', reason }],
        lines: [],
      });
    }
  }

  private async carryOut(request: RelayRequest): Promise<RelayMessage> {
    if (request.type === 'submit') {
      const answers = await this.nagios.submit(
        request.results.map((r, i) => ({ ...r, slave: refOf(r.target, i) })),
      );
      return {
        type: 'answers',
        id: request.id,
        answers: inOrder(answers, request.results.length),
        lines: [],
      };
    }
    const targets = request.targets.map(refOf);
    const action = monitorAction(request.action);
    if (request.preview) {
      const { answers, lines } = await this.nagios.preview(action, targets);
      return { type: 'answers', id: request.id, answers: inOrder(answers, targets.length), lines };
    }
    const answers = await this.nagios.act(action, targets);
    return {
      type: 'answers',
      id: request.id,
      answers: inOrder(answers, targets.length),
      lines: [],
    };
  }
}

/**
 * A target as the local Nagios backend takes it: named by its position, its host and service given
 * as the mapping's per-slave attributes, so both are checked as every Nagios name is.
 */
function refOf(target: RelayTarget, index: number): SlaveRef {
  return {
    name: String(index),
    attributes: { nagios_host: target.host, nagios_service: target.service },
  };
}

function monitorAction(action: RelayAction): MonitorAction {
  if (action.kind !== 'recheck') return action;
  const results = new Map<string, PassiveResult>(
    action.results.map((r, i) => [String(i), { ...r, slave: refOf(r.target, i) }]),
  );
  return { kind: 'recheck', results };
}

/** The local answers (named by position) as the wire's list, in the request's order. */
function inOrder(answers: readonly Answer[], count: number): RelayAnswer[] {
  const out: RelayAnswer[] = Array.from({ length: count }, () => ({
    outcome: 'unsent' as const,
    reason: 'not sent',
  }));
  for (const a of answers) {
    const i = Number(a.slave);
    if (Number.isInteger(i) && i >= 0 && i < count) {
      out[i] = 'reason' in a ? { outcome: a.outcome, reason: a.reason } : { outcome: a.outcome };
    }
  }
  return out;
}

function safeError(body: string): string | null {
  try {
    const e = (JSON.parse(body) as { error?: unknown }).error;
    return typeof e === 'string' ? e : null;
  } catch {
    return null;
  }
}
