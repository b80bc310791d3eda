// Nagios on another host as a monitoring backend: the Nagios relay (`corral nagios-relay`, on the
// Nagios host) connects in with a `relay` token; requests go to it in corral's words (targets as
// checked host and service names, results, actions), never as command lines, and status.dat's
// contents come back, so muting, the detail and confirmation work as with a local Nagios.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { MonitoringView } from '../domain/slave.js';
import type { SlaveMutes } from '../domain/slave-record.js';
import { checkMapping, type NagiosMapping } from '../nagios/mapping.js';
import type { NagiosStatus } from '../nagios/status-file.js';
import type { HealthParts } from './health-parts.js';
import type {
  ActionFacts,
  ActOutcome,
  Answer,
  LinkHealth,
  Monitor,
  MonitorAction,
  MonitorEvents,
  PassiveResult,
  SlaveRef,
} from './monitor.js';
import { NagiosReadBack } from './nagios-read-back.js';
import {
  problemOf,
  relayMessageSchema,
  statusFromWire,
  type RelayAnswer,
  type RelayMessage,
  type RelayRequest,
  type RelayResult,
  type RelayTarget,
} from './relay-messages.js';

/** A request the relay has not answered in this long fails (actions must fail within 20 s). */
const ANSWER_WITHIN_MS = 20_000;
const PING_EVERY_MS = 15_000;
/** status.dat's contents for 10,000 slaves are a few MB of JSON. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export const NOT_CONNECTED =
  'the Nagios relay is not connected: run corral nagios-relay on the Nagios host with a token of role relay (docs/nagios.md)';

interface Connected {
  ws: WebSocket;
  who: string;
  confirms: boolean;
  problem: string | null;
  since: string | null;
  delivering: boolean;
}

/** The relay's reply, or why there is none (no relay, none in time): every item stays unsent. */
type Reply = { answers: RelayAnswer[]; lines: string[] } | { failed: string };
type Pending = { resolve: (reply: Reply) => void };

export class NagiosRemoteMonitor implements Monitor {
  readonly backend = 'nagios-remote' as const;
  readonly label = 'Nagios';
  readonly mappingFix =
    'fix its nagios_host or nagios_service attribute in the inventory, or nagios.host in corral.yaml';
  private readonly mapping: NagiosMapping;
  private readonly readBack: NagiosReadBack;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly listeners = new Set<MonitorEvents>();
  private relay: Connected | null = null;
  private status: NagiosStatus | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disconnectedSince = Date.now();
  private readonly pinger: NodeJS.Timeout;

  constructor(
    settings: { host: string; service: string },
    private readonly healthParts: HealthParts,
    private readonly log: Logger,
  ) {
    this.mapping = checkMapping({ hostTemplate: settings.host, service: settings.service });
    this.readBack = new NagiosReadBack(this.mapping, () => this.status);
    this.pinger = setInterval(() => this.ping(), PING_EVERY_MS);
    this.pinger.unref();
    this.healthParts.set('nagios-relay', NOT_CONNECTED);
  }

  get confirms(): boolean {
    return this.relay?.confirms ?? true;
  }

  get delivering(): boolean {
    return this.relay !== null && this.relay.delivering;
  }

  /** Nothing to read before the relay connects: its first status arrives with it. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.pinger);
    this.relay?.ws.close(1001, 'collector stopping');
    this.disconnected('the collector is stopping');
    this.listeners.clear();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  subscribe(events: MonitorEvents): () => void {
    this.listeners.add(events);
    return () => this.listeners.delete(events);
  }

  health(): LinkHealth {
    const r = this.relay;
    if (r === null) {
      return {
        backend: this.backend,
        reachable: false,
        problem: NOT_CONNECTED,
        since: new Date(this.disconnectedSince).toISOString(),
      };
    }
    return {
      backend: this.backend,
      reachable: r.problem === null,
      problem: r.problem === null ? null : `on the Nagios host: ${r.problem}`,
      since: r.since,
    };
  }

  readBackAgeSeconds(now: number): number | null {
    const created = this.status?.created ?? null;
    return created === null ? null : Math.max(0, (now - created) / 1000);
  }

  /** Completes an upgrade to /api/v1/relay that the HTTP layer has authorised (role relay). */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, who: string): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, who));
  }

  mappingProblem(slave: SlaveRef): string | null {
    return this.readBack.mappingProblem(slave);
  }

  knows(slave: SlaveRef): boolean {
    return this.readBack.knows(slave);
  }

  async submit(results: readonly PassiveResult[]): Promise<Answer[]> {
    const refused: Answer[] = [];
    const go: Array<{ name: string; result: RelayResult }> = [];
    for (const r of results) {
      const target = this.readBack.targetOrProblem(r.slave);
      if (typeof target === 'string')
        refused.push({ slave: r.slave.name, outcome: 'refused', reason: target });
      else go.push({ name: r.slave.name, result: { target, state: r.state, output: r.output } });
    }
    if (go.length === 0) return refused;
    const reply = await this.request((id) => ({
      type: 'submit',
      id,
      results: go.map((g) => g.result),
    }));
    return [
      ...answersFor(
        go.map((g) => g.name),
        reply,
      ),
      ...refused,
    ];
  }

  async act(action: MonitorAction, targets: readonly SlaveRef[]): Promise<Answer[]> {
    return (await this.carryOut(action, targets, false)).answers;
  }

  preview(action: MonitorAction, targets: readonly SlaveRef[]): Promise<ActOutcome> {
    return this.carryOut(action, targets, true);
  }

  confirmed(action: ActionFacts, slave: SlaveRef): boolean {
    return this.readBack.confirmed(action, slave);
  }

  service(slave: SlaveRef): MonitoringView | null {
    const view = this.readBack.service(slave);
    return view && { backend: this.backend, ...view };
  }

  mutings(slaves: readonly SlaveRef[]): Map<string, SlaveMutes> {
    return this.readBack.mutings(slaves);
  }

  /** Targets whose name cannot be a Nagios service are refused here; the rest go to the relay. */
  private async carryOut(
    action: MonitorAction,
    targets: readonly SlaveRef[],
    preview: boolean,
  ): Promise<ActOutcome> {
    const refused = new Map<string, string>();
    const go: Array<{ slave: SlaveRef; target: RelayTarget }> = [];
    for (const slave of targets) {
      const target = this.readBack.targetOrProblem(slave);
      if (typeof target === 'string') refused.set(slave.name, target);
      // A recheck of a slave with no current state (no longer known) is not sent, as locally.
      else if (action.kind !== 'recheck' || action.results.has(slave.name))
        go.push({ slave, target });
    }
    const wireAction =
      action.kind === 'recheck'
        ? {
            kind: 'recheck' as const,
            results: go.map(({ slave, target }) => {
              const r = action.results.get(slave.name)!;
              return { target, state: r.state, output: r.output };
            }),
          }
        : action;
    const reply: Reply =
      go.length === 0
        ? { answers: [], lines: [] }
        : await this.request((id) => ({
            type: 'act',
            id,
            action: wireAction,
            targets: go.map((g) => g.target),
            preview,
          }));
    const answered = new Map(
      answersFor(
        go.map((g) => g.slave.name),
        reply,
      ).map((a) => [a.slave, a]),
    );
    const answers = targets.map(
      ({ name }): Answer =>
        answered.get(name) ??
        (refused.has(name)
          ? { slave: name, outcome: 'refused', reason: refused.get(name)! }
          : { slave: name, outcome: 'unsent', reason: 'not sent' }),
    );
    return { answers, lines: 'lines' in reply ? reply.lines : [] };
  }

  /** Sends a request and waits for its answers, or says why there are none. */
  private request(build: (id: number) => RelayRequest): Promise<Reply> {
    const relay = this.relay;
    if (relay === null) return Promise.resolve({ failed: NOT_CONNECTED });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({
          failed: `the Nagios relay did not answer within ${ANSWER_WITHIN_MS / 1000}s: is the Nagios host overloaded? (its log says more)`,
        });
      }, ANSWER_WITHIN_MS);
      this.pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(reply);
        },
      });
      relay.ws.send(JSON.stringify(build(id)));
    });
  }

  private attach(ws: WebSocket, who: string): void {
    // One relay at a time: a new one (the same relay reconnecting) replaces the old.
    if (this.relay !== null) {
      this.relay.ws.close(4000, 'replaced by a newer relay connection');
      this.disconnected('replaced by a newer relay connection');
    }
    ws.on('message', (data) => this.onMessage(ws, who, data));
    ws.on('close', () => {
      if (this.relay?.ws === ws) this.disconnected('the relay disconnected');
    });
    ws.on('error', () => ws.terminate());
  }

  private onMessage(ws: WebSocket, who: string, data: RawData): void {
    let message: RelayMessage;
    try {
      const checked = relayMessageSchema.safeParse(JSON.parse(data.toString()));
      if (!checked.success) {
        this.log.warn(
          { relay: who, problem: problemOf(checked.error) },
          'a relay message was refused',
        );
        return;
      }
      message = checked.data;
    } catch {
      this.log.warn({ relay: who }, 'a relay message is not JSON: ignored');
      return;
    }
    if (message.type === 'relay-hello') {
      this.relay = { ws, who, confirms: message.confirms, ...message.health };
      this.log.info({ relay: who }, 'the Nagios relay connected');
      this.healthChanged();
      // Whatever was sent while it was away may be lost: every slave's state goes again.
      this.emit((l) => l.back?.('the Nagios relay connected'));
      return;
    }
    if (this.relay?.ws !== ws) return; // a relay that has not said hello is not heard
    switch (message.type) {
      case 'health':
        Object.assign(this.relay, message.health);
        this.healthChanged();
        return;
      case 'status':
        this.status = statusFromWire(message.status);
        this.emit((l) => l.readBack?.());
        return;
      case 'back':
        this.emit((l) => l.back?.(`on the Nagios host: ${message.why}`));
        return;
      case 'answers':
        this.pending.get(message.id)?.resolve({ answers: message.answers, lines: message.lines });
    }
  }

  private disconnected(why: string): void {
    if (this.relay === null) return;
    this.log.warn({ relay: this.relay.who, reason: why }, NOT_CONNECTED);
    this.relay = null;
    this.disconnectedSince = Date.now();
    for (const p of this.pending.values()) p.resolve({ failed: `${why} before answering` });
    this.healthChanged();
  }

  private ping(): void {
    const ws = this.relay?.ws;
    if (ws?.readyState === WebSocket.OPEN) ws.ping();
  }

  /** /healthz and the listeners hear the link's health as it is now. */
  private healthChanged(): void {
    const now = this.health();
    this.healthParts.set('nagios-relay', now.problem);
    this.emit((l) => l.health?.(now));
  }

  private emit(call: (listener: MonitorEvents) => void): void {
    for (const listener of this.listeners) call(listener);
  }
}

/**
 * The relay's answers, one per request item in order, named by slave; no reply leaves every item
 * unsent, to be sent again.
 */
function answersFor(names: readonly string[], reply: Reply): Answer[] {
  return names.map((slave, i): Answer => {
    if ('failed' in reply) return { slave, outcome: 'unsent', reason: reply.failed };
    const a = reply.answers[i];
    if (!a) return { slave, outcome: 'unsent', reason: 'the Nagios relay gave no answer for it' };
    return 'reason' in a
      ? { slave, outcome: a.outcome, reason: a.reason }
      : { slave, outcome: a.outcome };
  });
}
