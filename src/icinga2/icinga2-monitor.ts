// Icinga 2 behind the monitoring seam, through its REST API: results many per request, actions
// answered per object, muting and the detail read back from /v1/events after a full query. While
// Icinga is away, results wait (newest per slave, bounded) and go when it returns; actions fail at
// once, or within their time bound, with one line saying why.
import { oneLine } from '../domain/printable.js';
import type {
  ActOutcome,
  ActionFacts,
  Answer,
  LinkHealth,
  Monitor,
  MonitorAction,
  MonitorEvents,
  PassiveResult,
  SlaveRef,
} from '../monitoring/monitor.js';
import { NagiosInputError, type ServiceRef } from '../nagios/commands.js';
import { serviceFor, type NagiosMapping } from '../nagios/mapping.js';
import { ApiClient, IcingaApiError, type ApiTarget } from './api-client.js';
import { EventStream } from './event-stream.js';
import { EVENT_TYPES } from './objects.js';
import { acknowledgementOf, detailOf, mutingOf, mutesOf, Picture } from './picture.js';
import { downtimeMatches } from '../domain/downtime-match.js';
import type { SlaveMutes } from '../domain/slave-record.js';
import { NOT_MUTED } from '../nagios/muting.js';
import { ResultQueue } from './result-queue.js';
import { answersOf, groupTargets, type Group, type ObjectAnswer } from './selection.js';
import { actionRequest } from './action-requests.js';
import { readBack } from './read-back.js';

/** The actions Icinga carries out itself (a recheck is results). */
type ActAction = Exclude<MonitorAction, { kind: 'recheck' }>;

/** An action's request is given up after this, so the whole action fails well within 20 s. */
const ACTION_TIMEOUT_MS = 15_000;
/** The read-back after an action: with the action's own bound, under 20 s in all. */
const REFRESH_TIMEOUT_MS = 4_000;
const RESULT_TIMEOUT_MS = 10_000;
/**
 * Objects per action request, and requests at once. Icinga 2.13 schedules some 20 downtimes a
 * second here with 10,000 services (a config file each): a chunk then takes ~2.5 s, well inside
 * the request's bound, however many chunks a bulk has.
 */
const ACTION_CHUNK = 50;
const ACTION_CONCURRENCY = 2;
const QUERY_TIMEOUT_MS = 60_000;
/** Results requests in flight at once (each carries every slave with the same words). */
const CONCURRENCY = 8;
/** Muting and confirmation are re-read at most this often however many events arrive. */
const READ_BACK_EVERY_MS = 100;
const QUEUE_LIMIT = 50_000;
const FLUSH_BATCH = 2_000;

export interface Icinga2MonitorOptions {
  target: ApiTarget;
  mapping: NagiosMapping;
  queueLimit?: number;
  /** Where the link's troubles are said (once each). */
  log?: (level: 'info' | 'warn', msg: string) => void;
  /** The link's problem now (null once well), for /healthz. */
  health?: (problem: string | null) => void;
}

export class Icinga2Monitor implements Monitor {
  readonly backend = 'icinga2' as const;
  readonly label = 'Icinga 2';
  readonly confirms = true;
  readonly mappingFix =
    'fix its nagios_host or nagios_service attribute in the inventory, or icinga2.host / icinga2.service in corral.yaml';

  private readonly client: ApiClient;
  private readonly stream: EventStream;
  private readonly picture = new Picture();
  private loaded = false;
  private readonly queue: ResultQueue;
  private reachable = false;
  private problem: string | null = null;
  private since: string | null = null;
  private readonly listeners = new Set<MonitorEvents>();
  private readBackTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private everUp = false;

  constructor(private readonly options: Icinga2MonitorOptions) {
    this.client = new ApiClient(options.target);
    this.queue = new ResultQueue(options.queueLimit ?? QUEUE_LIMIT);
    this.stream = new EventStream(this.client, EVENT_TYPES, {
      resync: () => this.resync(),
      event: (e) => {
        if (this.picture.apply(e)) this.readBackSoon();
      },
      up: () => this.up(),
      down: (err) => this.down(err),
    });
  }

  async start(): Promise<void> {
    await this.stream.start();
  }

  async close(): Promise<void> {
    this.stream.close();
    if (this.readBackTimer) clearTimeout(this.readBackTimer);
    this.listeners.clear();
    await this.flushing;
    this.client.close();
  }

  subscribe(events: MonitorEvents): () => void {
    this.listeners.add(events);
    return () => this.listeners.delete(events);
  }

  health(): LinkHealth {
    return {
      backend: 'icinga2',
      reachable: this.reachable,
      problem: this.problem,
      since: this.since,
    };
  }

  /** Results sent now reach Icinga (while it is away they wait in the queue). */
  get delivering(): boolean {
    return this.reachable;
  }

  /** Results waiting for Icinga to return. */
  get queued(): number {
    return this.queue.size;
  }

  mappingProblem(slave: SlaveRef): string | null {
    try {
      this.targetOf(slave);
      return null;
    } catch (err) {
      if (err instanceof NagiosInputError) return err.message;
      throw err;
    }
  }

  knows(slave: SlaveRef): boolean {
    if (!this.loaded) return true;
    const t = this.safeTarget(slave);
    return t !== null && this.picture.get(t.host, t.service) !== undefined;
  }

  async submit(results: readonly PassiveResult[]): Promise<Answer[]> {
    if (!this.reachable) {
      for (const r of results) this.queue.put(r);
      return results.map((r) => ({ slave: r.slave.name, outcome: 'sent' }));
    }
    return this.send(results);
  }

  async act(action: MonitorAction, targets: readonly SlaveRef[]): Promise<Answer[]> {
    if (action.kind === 'recheck') return this.submitNow([...action.results.values()], targets);
    if (!this.reachable) {
      const reason = this.whyUnreachable();
      return targets.map((t) => ({ slave: t.name, outcome: 'unsent', reason }));
    }
    const { answers, go } = this.precheck(action, targets);
    // In chunks: Icinga writes a file per downtime, so 1,000 in one request can outlast any
    // bound; once a chunk finds Icinga gone, those after it fail at once.
    const groups = groupTargets(go, ACTION_CHUNK);
    await inBatches(groups, ACTION_CONCURRENCY, async (g) => {
      answers.push(
        ...(this.reachable ? await this.call(g, action, ACTION_TIMEOUT_MS) : this.unreachable(g)),
      );
    });
    if (answers.some((a) => a.outcome === 'done')) await this.refresh(groups);
    const order = new Map(targets.map((t, i) => [t.name, i]));
    return answers.sort((a, b) => order.get(a.slave)! - order.get(b.slave)!);
  }

  async preview(action: MonitorAction, targets: readonly SlaveRef[]): Promise<ActOutcome> {
    if (action.kind === 'recheck') {
      const groups = this.resultGroups([...action.results.values()]);
      return {
        answers: targets.map((t) => this.previewAnswer(t)),
        lines: groups.map((g) => requestLine('process-check-result', g.body)),
      };
    }
    const { answers, go } = this.precheck(action, targets);
    const lines = groupTargets(go).map((g) => {
      const { path, body } = actionRequest(action, g.selection);
      return requestLine(path, body);
    });
    for (const g of go) answers.push({ slave: g.slave, outcome: 'sent' });
    return { answers, lines };
  }

  confirmed(action: ActionFacts, slave: SlaveRef): boolean {
    const t = this.safeTarget(slave);
    const s = t && this.picture.get(t.host, t.service);
    if (!s) return false;
    const p = action.params;
    switch (action.kind) {
      case 'downtime':
        return [...s.downtimes.values()].some(
          (d) =>
            d.author === action.author &&
            d.comment === oneLine(p.comment ?? '') &&
            d.start === Date.parse(p.start ?? '') &&
            d.end === Date.parse(p.end ?? '') &&
            d.fixed === (p.fixed ?? true),
        );
      case 'cancel-downtime':
        return [...s.downtimes.values()].every((d) => d.entryTime > action.at);
      case 'ack':
        return acknowledgementOf(s)?.author === action.author;
      case 'remove-ack':
        return s.acknowledgement === 0;
      case 'recheck':
      case 'force-check':
        return s.lastCheck !== null && s.lastCheck >= Math.floor(action.at / 1000) * 1000;
      default:
        return false;
    }
  }

  service(slave: SlaveRef) {
    const t = this.safeTarget(slave);
    const s = t && this.picture.get(t.host, t.service);
    return s ? { backend: 'icinga2' as const, ...detailOf(s, Date.now()) } : null;
  }

  /** Who mutes each slave: the first mute, and every downtime in effect and the acknowledgement. */
  mutings(slaves: readonly SlaveRef[]): Map<string, SlaveMutes> {
    const now = Date.now();
    const out = new Map<string, SlaveMutes>();
    for (const slave of slaves) {
      const t = this.safeTarget(slave);
      const s = t && this.picture.get(t.host, t.service);
      out.set(
        slave.name,
        s
          ? {
              muted: mutingOf(s, now),
              mutes: mutesOf(s, now).filter((m) => m.kind !== 'downtime' || m.inEffect),
            }
          : NOT_MUTED,
      );
    }
    return out;
  }

  private targetOf(slave: SlaveRef): ServiceRef {
    return serviceFor(slave.name, this.options.mapping, slave.attributes);
  }

  private safeTarget(slave: SlaveRef): ServiceRef | null {
    try {
      return this.targetOf(slave);
    } catch (err) {
      if (err instanceof NagiosInputError) return null;
      throw err;
    }
  }

  /**
   * Targets refused before anything is sent (a name that cannot be a service, nothing to cancel),
   * and the rest with their services.
   */
  private precheck(
    action: ActAction,
    targets: readonly SlaveRef[],
  ): { answers: Answer[]; go: Array<{ slave: string; target: ServiceRef }> } {
    const answers: Answer[] = [];
    const go: Array<{ slave: string; target: ServiceRef }> = [];
    for (const slave of targets) {
      let target: ServiceRef;
      try {
        target = this.targetOf(slave);
      } catch (err) {
        if (!(err instanceof NagiosInputError)) throw err;
        answers.push({ slave: slave.name, outcome: 'refused', reason: err.message });
        continue;
      }
      const s = this.picture.get(target.host, target.service);
      if (
        action.kind === 'cancel-downtime' &&
        s &&
        ![...s.downtimes.values()].some((d) => downtimeMatches(action.only, d))
      ) {
        answers.push({
          slave: slave.name,
          outcome: 'refused',
          reason: `host "${target.host}" is refused: it has no downtime`,
        });
        continue;
      }
      go.push({ slave: slave.name, target });
    }
    return { answers, go };
  }

  private whyUnreachable(): string {
    const since = this.since ? ` since ${this.since}` : '';
    return `Icinga 2 is unreachable${since}: ${this.problem ?? 'not connected yet'}`;
  }

  private unreachable(g: Group): Answer[] {
    const reason = this.whyUnreachable();
    return [...g.slaves.values()].map((slave) => ({ slave, outcome: 'unsent', reason }));
  }

  private previewAnswer(slave: SlaveRef): Answer {
    const why = this.mappingProblem(slave);
    return why
      ? { slave: slave.name, outcome: 'refused', reason: why }
      : { slave: slave.name, outcome: 'sent' };
  }

  /** One action call for one group; a transport failure or refusal answers every target of it. */
  private async call(group: Group, action: ActAction, timeoutMs: number): Promise<Answer[]> {
    const { path, body } = actionRequest(action, group.selection);
    try {
      const answer = await this.client.call(`/v1/actions/${path}`, {
        body,
        permission: `actions/${path}`,
        timeoutMs,
      });
      return answersOf(answer.body, group).map(toAnswer);
    } catch (err) {
      if (!(err instanceof IcingaApiError)) throw err;
      if (!err.refusal) this.lostBy(err);
      const outcome = err.refusal ? ('refused' as const) : ('unsent' as const);
      return [...group.slaves.values()].map((slave) => ({ slave, outcome, reason: err.message }));
    }
  }

  /** Results grouped by their words: one process-check-result request carries every slave saying them. */
  private resultGroups(
    results: readonly PassiveResult[],
  ): Array<{ group: Group; body: Record<string, unknown>; results: PassiveResult[] }> {
    const byWords = new Map<string, PassiveResult[]>();
    const out = [];
    for (const r of results) {
      const key = JSON.stringify([r.state, r.output.text, r.output.perfdata ?? '']);
      const list = byWords.get(key);
      if (list) list.push(r);
      else byWords.set(key, [r]);
    }
    for (const list of byWords.values()) {
      const targets = list.flatMap((r) => {
        const t = this.safeTarget(r.slave);
        return t ? [{ slave: r.slave.name, target: t }] : [];
      });
      const first = list[0]!;
      for (const group of groupTargets(targets)) {
        out.push({
          group,
          results: list,
          body: {
            ...group.selection,
            exit_status: first.state,
            plugin_output: first.output.text,
            ...(first.output.perfdata !== undefined && {
              performance_data: first.output.perfdata.split(' ').filter(Boolean),
            }),
          },
        });
      }
    }
    return out;
  }

  /** Sends results now; those that did not reach Icinga wait in the queue. */
  private async send(results: readonly PassiveResult[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (const r of results) {
      const why = this.mappingProblem(r.slave);
      if (why) answers.push({ slave: r.slave.name, outcome: 'refused', reason: why });
    }
    const groups = this.resultGroups(results);
    const byName = new Map(results.map((r) => [r.slave.name, r]));
    await inBatches(groups, CONCURRENCY, async ({ group, body }) => {
      try {
        const answer = await this.client.call('/v1/actions/process-check-result', {
          body,
          permission: 'actions/process-check-result',
          timeoutMs: RESULT_TIMEOUT_MS,
        });
        answers.push(...answersOf(answer.body, group).map(toAnswer));
      } catch (err) {
        if (!(err instanceof IcingaApiError)) throw err;
        if (err.refusal) {
          for (const slave of group.slaves.values())
            answers.push({ slave, outcome: 'refused', reason: err.message });
          return;
        }
        this.lostBy(err);
        for (const slave of group.slaves.values()) {
          this.queue.put(byName.get(slave)!);
          answers.push({ slave, outcome: 'sent' });
        }
      }
    });
    return answers;
  }

  /** A recheck: sent now (never queued), answered per object. */
  private async submitNow(
    results: PassiveResult[],
    targets: readonly SlaveRef[],
  ): Promise<Answer[]> {
    if (!this.reachable) {
      const why = `Icinga 2 is unreachable: ${this.problem ?? 'not connected yet'}`;
      return targets.map((t) => ({ slave: t.name, outcome: 'unsent', reason: why }));
    }
    const answers = await this.send(results);
    // A result that fell into the queue did not reach Icinga now: the recheck failed for it.
    return answers.map((a) =>
      a.outcome === 'sent'
        ? { slave: a.slave, outcome: 'unsent', reason: this.problem ?? 'Icinga 2 went away' }
        : a,
    );
  }

  /** The full query after every connect: services, downtimes, comments. */
  private async resync(): Promise<void> {
    const all = await readBack(this.client, QUERY_TIMEOUT_MS);
    this.picture.load(all);
    this.loaded = true;
    this.readBackSoon();
  }

  /** Reads back what an action just did (the event stream may lag seconds behind Icinga's answer). */
  private async refresh(groups: readonly Group[]): Promise<void> {
    await Promise.all(
      groups.map(async (g) => {
        const part = await readBack(this.client, REFRESH_TIMEOUT_MS, g.selection).catch(() => null);
        if (part) this.picture.replace(g.slaves.keys(), part);
      }),
    );
    this.readBackSoon();
  }

  private up(): void {
    const wasDown = !this.reachable;
    this.reachable = true;
    this.problem = null;
    this.since = null;
    if (!wasDown) return;
    this.log('info', `Icinga 2 at ${this.client.url} is reachable`);
    this.options.health?.(null);
    this.emit((l) => l.health?.(this.health()));
    const returning = this.everUp;
    this.everUp = true;
    this.flushing ??= this.flush(returning).finally(() => (this.flushing = null));
  }

  /** A request found Icinga gone: down until the stream is open and resynced again. */
  private lostBy(err: IcingaApiError): void {
    this.down(err);
    this.stream.reopen();
  }

  private down(err: IcingaApiError): void {
    const changed = this.reachable || this.problem !== err.message;
    if (this.reachable || this.since === null) this.since = new Date().toISOString();
    this.reachable = false;
    this.problem = err.message;
    if (!changed) return;
    this.log('warn', err.message);
    this.options.health?.(err.message);
    this.emit((l) => l.health?.(this.health()));
  }

  /** Icinga is back: the results that waited go, oldest first; if some were given up, every slave's state goes again. */
  private async flush(returning: boolean): Promise<void> {
    const waited = this.queue.size;
    while (this.reachable && this.queue.size > 0) await this.send(this.queue.take(FLUSH_BATCH));
    if (waited > 0) this.log('info', `sent the ${waited} results that waited for Icinga 2`);
    const dropped = this.queue.takeDropped();
    if (returning && dropped > 0) {
      this.emit((l) => l.back?.(`Icinga 2 is back and ${dropped} waiting results were given up`));
    }
  }

  private readBackSoon(): void {
    if (this.readBackTimer !== null) return;
    this.readBackTimer = setTimeout(() => {
      this.readBackTimer = null;
      this.emit((l) => l.readBack?.());
    }, READ_BACK_EVERY_MS);
    this.readBackTimer.unref();
  }

  private emit(f: (l: MonitorEvents) => void): void {
    for (const l of this.listeners) f(l);
  }

  private log(level: 'info' | 'warn', msg: string): void {
    this.options.log?.(level, msg);
  }
}

function toAnswer(a: ObjectAnswer): Answer {
  return a.ok
    ? { slave: a.slave, outcome: 'done' }
    : { slave: a.slave, outcome: 'refused', reason: a.reason };
}

/** What a preview shows of one request: the action and its JSON body (no credentials). */
function requestLine(path: string, body: unknown): string {
  return `POST /v1/actions/${path} ${JSON.stringify(body)}`;
}

async function inBatches<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
