// The bulk action engine: one path for the console and the command line. It plans a request,
// records it (who, when, what, targets) before acting, hands it to the monitoring system through
// the seam (Nagios: one packed write), records each target's answer, streams progress to every
// console, and marks targets confirmed as the monitoring system shows them, or unconfirmed when it
// has not shown them in time. Reboots go through the same door and audit log, carried out by
// RebootActions.
import {
  isRebootKind,
  type ActionView,
  type DryRunView,
  type ExistingMute,
  type TargetStatus,
} from '../domain/protocol.js';
import type { MonitoringView, SlaveView } from '../domain/slave.js';
import type { Answer, Monitor, MonitorAction, SlaveRef } from '../monitoring/monitor.js';
import { currentPassive } from '../monitoring/results.js';
import { downtimeMatches, type DowntimeMatch } from '../domain/downtime-match.js';
import { describeAction } from './describe.js';
import {
  downtimeMatchOf,
  existingOf,
  nothingToCancel,
  skipReason,
  type DowntimeActionFacts,
} from './existing.js';
import { ActionRuns, type ActionLedger, type ActionRun } from './action-run.js';
import type { StoredActionLike } from './action-record.js';
import { NO_REBOOT_METHODS, RebootActions, type RebootParts } from './reboots.js';
import { ActionRefused, planAction, type PlannedAction } from './request.js';

/** What the engine needs of the collector; kept narrow so the engine is testable on its own. */
export interface EngineParts {
  /** Null when the collector has no monitoring (no nagios.command_file): those actions are refused (reboots run). */
  monitor: Monitor | null;
  /** Null when no reboot methods are configured: reboots are refused. */
  reboot: RebootParts | null;
  /** The slave's reference for monitoring (name and inventory attributes); undefined if unknown. */
  slave: (name: string) => SlaveRef | undefined;
  /** Current views, for re-submitting states and for what targets already have. */
  views: (names: readonly string[]) => SlaveView[];
  /** A recorded action (for a cancel limited to one action's downtimes); undefined if none. */
  action?: (id: number) => Promise<Pick<ActionView, 'author' | 'kind' | 'params'> | undefined>;
  nextActionId: ActionLedger['nextActionId'];
  save: ActionLedger['save'];
  broadcast: ActionLedger['broadcast'];
  confirmWithinMs: number;
  onTargets?: (kind: string, outcome: TargetStatus, count: number) => void;
  warn: (details: Record<string, unknown>, msg: string) => void;
  /** Why no action can be taken now (the database unreachable), or null. */
  refusal?: () => string | null;
  /** Why a reboot cannot run on this collector (another owns the single-owner work), or null. */
  ownerRefusal?: () => Promise<string | null>;
}

/** A monitoring action that was sent, waiting for the backend to show it done. */
interface Waiting {
  run: ActionRun;
  refs: Map<string, SlaveRef>;
  deadline: NodeJS.Timeout;
  /** cancel-downtime: the downtimes it removes (all when undefined). */
  cancels: DowntimeMatch | undefined;
}

/** What a monitoring action finds before it acts: the targets it skips, and why. */
interface Prepared {
  skips: Map<string, string>;
  existing: ExistingMute[];
  /** cancel-downtime: the downtimes it removes (all when undefined), and their authors. */
  cancels: DowntimeMatch | undefined;
  owners: string[];
}

export class ActionEngine {
  private readonly runs: ActionRuns;
  private readonly waiting = new Map<number, Waiting>();
  private readonly unsubscribe: () => void;
  /** Null when no reboot methods are configured. */
  readonly reboots: RebootActions | null;

  constructor(private readonly parts: EngineParts) {
    this.runs = new ActionRuns(parts);
    this.unsubscribe = parts.monitor?.subscribe({ readBack: () => this.confirm() }) ?? (() => {});
    this.reboots = parts.reboot && new RebootActions(parts.reboot, this.runs, parts.warn);
  }

  /** Runs a request from `author`; resolves once the monitoring system has it (or it failed). */
  async submit(
    body: unknown,
    author: string,
    requestId?: string,
  ): Promise<ActionView | DryRunView> {
    const rebooting = isRebootKind(kindOf(body));
    if (rebooting && this.reboots === null) {
      throw new ActionRefused(NO_REBOOT_METHODS, 'kind', 'unavailable');
    }
    const monitor = this.parts.monitor;
    if (!rebooting && monitor === null) {
      throw new ActionRefused(
        'this collector is not wired to Nagios or Icinga 2: set nagios.command_file (or icinga2:) in corral.yaml',
        undefined,
        'unavailable',
      );
    }
    const plan = planAction(body, {
      now: Date.now(),
      author,
      known: (name) => this.parts.slave(name) !== undefined,
    });
    if (!plan.dryRun) await this.refuseIfCannot(rebooting);
    if (rebooting) {
      const summary = describeAction(author, plan.kind, plan.params, plan.targets.length, plan.at);
      const result = await this.reboots!.submit(plan, summary, requestId);
      if (!('dryRun' in result)) return result;
      const existing = this.parts.views(plan.targets).flatMap(existingOf);
      return { ...result, existing };
    }
    return this.submitToMonitor(monitor!, plan, requestId);
  }

  private async submitToMonitor(
    monitor: Monitor,
    plan: PlannedAction,
    requestId: string | undefined,
  ): Promise<ActionView | DryRunView> {
    const prepared = await this.prepare(monitor, plan);
    const { skips, cancels } = prepared;
    const summary = describeAction(
      plan.author,
      plan.kind,
      plan.params,
      plan.targets.length,
      plan.at,
      prepared.owners,
    );
    const refs = new Map(plan.targets.map((name) => [name, this.parts.slave(name)!]));
    const acting = new Map([...refs].filter(([name]) => !skips.has(name)));
    if (plan.dryRun) return this.dryRun(monitor, plan, acting, summary, prepared);

    const run = await this.runs.begin(plan, summary, requestId);
    const action = run.action;

    // Whatever goes wrong, the recorded action ends with each target's result, never pending.
    const targets = [...acting.values()];
    const answers =
      targets.length === 0
        ? []
        : await monitor
            .act(this.monitorAction(plan, targets, cancels), targets)
            .catch((err: Error) =>
              targets.map((t): Answer => ({
                slave: t.name,
                outcome: 'unsent',
                reason: err.message,
              })),
            );
    const byName = new Map(action.targets.map((t) => [t.slave, t]));
    for (const [slave, why] of skips) {
      const t = byName.get(slave)!;
      t.status = 'skipped';
      t.error = why;
    }
    for (const a of answers) {
      const t = byName.get(a.slave)!;
      t.status = a.outcome === 'done' ? 'confirmed' : a.outcome === 'sent' ? 'sent' : 'failed';
      t.error = 'reason' in a ? a.reason : null;
    }
    this.count(action, 'sent');
    this.count(action, 'confirmed');
    this.count(action, 'failed');
    this.count(action, 'skipped');
    await run.step('sent');
    const sent = action.targets.some((t) => t.status === 'sent');
    if (!sent || !monitor.confirms) {
      await run.finish();
      return run.view();
    }
    const deadline = setTimeout(() => this.expire(action.id), this.parts.confirmWithinMs);
    deadline.unref();
    this.waiting.set(action.id, { run, refs, deadline, cancels });
    this.confirm();
    return run.view();
  }

  /** Refuses, before anything is recorded or done, what this collector cannot carry out now. */
  private async refuseIfCannot(rebooting: boolean): Promise<void> {
    const down = this.parts.refusal?.() ?? null;
    if (down !== null) throw new ActionRefused(down, undefined, 'unavailable');
    const elsewhere = rebooting ? ((await this.parts.ownerRefusal?.()) ?? null) : null;
    if (elsewhere !== null) throw new ActionRefused(elsewhere, undefined, 'unavailable');
  }

  /** Actions still under way: waiting for the monitoring system, or slaves still rebooting (fresher than the store). */
  inFlight(id: number): ActionView | undefined {
    return this.runs.inFlight(id);
  }

  /** Stops waiting for the monitoring system; cancels running reboots and waits until they are recorded. */
  async close(): Promise<void> {
    this.unsubscribe();
    for (const w of this.waiting.values()) clearTimeout(w.deadline);
    this.waiting.clear();
    await this.reboots?.close();
  }

  /** The plan in the seam's words: times as epoch ms, defaults applied, recheck's current states. */
  private monitorAction(
    plan: PlannedAction,
    targets: readonly SlaveRef[],
    cancels: DowntimeMatch | undefined,
  ): MonitorAction {
    const p = plan.params;
    switch (plan.kind) {
      case 'downtime':
        return {
          kind: 'downtime',
          start: Date.parse(p.start!),
          end: Date.parse(p.end!),
          fixed: p.fixed ?? true,
          durationSeconds: p.durationSeconds,
          author: plan.author,
          comment: p.comment!,
        };
      case 'cancel-downtime':
        return { kind: 'cancel-downtime', ...(cancels ? { only: cancels } : {}) };
      case 'ack':
        return { kind: 'ack', author: plan.author, comment: p.comment!, sticky: p.sticky ?? true };
      case 'remove-ack':
        return { kind: 'remove-ack' };
      case 'force-check':
        return { kind: 'force-check' };
      case 'recheck': {
        const views: SlaveView[] = this.parts.views(targets.map((s) => s.name));
        return { kind: 'recheck', results: new Map(views.map((v) => [v.name, currentPassive(v)])) };
      }
      case 'reboot':
      case 'cancel-reboot':
        throw new Error('a reboot is not a monitoring action'); // submit() sends these elsewhere
      case 'park':
      case 'unpark':
      case 'extend-downtime':
      case 'undo':
        throw new Error(`${plan.kind} is not one monitoring action`); // refused by the request
    }
  }

  private async dryRun(
    monitor: Monitor,
    plan: PlannedAction,
    acting: Map<string, SlaveRef>,
    summary: string,
    { skips, cancels, existing }: Prepared,
  ): Promise<DryRunView> {
    const targets = [...acting.values()];
    const { answers, lines } =
      targets.length === 0
        ? { answers: [], lines: [] }
        : await monitor.preview(this.monitorAction(plan, targets, cancels), targets);
    const byName = new Map(answers.map((a) => [a.slave, a]));
    return {
      dryRun: true,
      summary,
      targets: plan.targets.map((slave): DryRunView['targets'][number] => {
        const skipped = skips.get(slave);
        if (skipped !== undefined) return { slave, status: 'skipped', error: skipped };
        const a = byName.get(slave);
        if (a === undefined) return { slave, status: 'failed', error: 'not sent' };
        return 'reason' in a
          ? { slave, status: 'failed', error: a.reason }
          : { slave, status: 'pending', error: null };
      }),
      lines,
      existing,
    };
  }

  /** Marks the targets the backend now shows done; finishes an action when none is left waiting. */
  private confirm(): void {
    const monitor = this.parts.monitor!;
    for (const w of this.waiting.values()) {
      const action = w.run.action;
      let confirmed = 0;
      for (const t of action.targets) {
        if (t.status !== 'sent') continue;
        if (monitor.confirmed({ ...action, cancels: w.cancels }, w.refs.get(t.slave)!)) {
          t.status = 'confirmed';
          confirmed++;
        }
      }
      if (confirmed === 0) continue;
      this.parts.onTargets?.(action.kind, 'confirmed', confirmed);
      if (!action.targets.some((t) => t.status === 'sent')) this.finish(w);
      else void w.run.step('progress');
    }
  }

  /**
   * What the targets already have, and which of them the request skips: those already muted
   * (`skipMuted`), acknowledged by another operator, or without the downtimes a limited cancel
   * removes.
   */
  private async prepare(monitor: Monitor, plan: PlannedAction): Promise<Prepared> {
    const skips = new Map<string, string>();
    if (plan.kind !== 'cancel-downtime') {
      const views = this.parts.views(plan.targets);
      for (const v of views) {
        const why = skipReason(plan.kind, plan.params, plan.author, v);
        if (why !== null) skips.set(v.name, why);
      }
      return { skips, existing: views.flatMap(existingOf), cancels: undefined, owners: [] };
    }
    const p = plan.params;
    const cancels = downtimeMatchOf(
      p,
      p.actionId === undefined ? null : await this.madeBy(p.actionId),
    );
    if (typeof cancels === 'string') throw new ActionRefused(cancels, 'params.author');
    const existing: ExistingMute[] = [];
    for (const slave of plan.targets) {
      const service = monitor.service(this.parts.slave(slave)!);
      if (service === null) continue; // the target fails alone when sent
      const chosen = service.downtimes.filter((d) => downtimeMatches(cancels, downtimeFacts(d)));
      existing.push(...chosen.map((d) => downtimeExisting(slave, d)));
      if (cancels !== undefined && chosen.length === 0) skips.set(slave, nothingToCancel(p));
    }
    const owners = [...new Set(existing.map((e) => e.by))].sort();
    return { skips, existing, cancels, owners };
  }

  /** The downtime action a cancel is limited to; refused when there is none. */
  private async madeBy(id: number): Promise<DowntimeActionFacts> {
    const made = await this.parts.action?.(id);
    if (made === undefined) {
      throw new ActionRefused(
        `params.actionId: there is no action ${id}: see the audit log (GET /api/v1/actions)`,
        'params.actionId',
      );
    }
    if (made.kind !== 'downtime') {
      throw new ActionRefused(
        `params.actionId: action ${id} is a ${made.kind}, not a downtime: give the id of the downtime action whose downtimes to cancel`,
        'params.actionId',
      );
    }
    return made;
  }

  private expire(id: number): void {
    const w = this.waiting.get(id);
    if (!w) return;
    const within = Math.round(this.parts.confirmWithinMs / 1000);
    for (const t of w.run.action.targets) {
      if (t.status !== 'sent') continue;
      t.status = 'unconfirmed';
      t.error = `not confirmed by ${this.parts.monitor!.label} within ${within}s`;
    }
    this.count(w.run.action, 'unconfirmed');
    this.finish(w);
  }

  private finish(w: Waiting): void {
    clearTimeout(w.deadline);
    this.waiting.delete(w.run.action.id);
    void w.run.finish();
  }

  private count(action: StoredActionLike, outcome: TargetStatus): void {
    const n = action.targets.filter((t) => t.status === outcome).length;
    if (n > 0) this.parts.onTargets?.(action.kind, outcome, n);
  }
}

type ServiceDowntime = MonitoringView['downtimes'][number];

function downtimeFacts(d: ServiceDowntime) {
  return { ...d, start: Date.parse(d.start), end: Date.parse(d.end) };
}

function downtimeExisting(slave: string, d: ServiceDowntime): ExistingMute {
  return {
    slave,
    kind: 'downtime',
    by: d.author,
    comment: d.comment,
    start: d.start,
    end: d.end,
    downtimeId: d.id,
  };
}

/** The request's kind, read before it is checked whole (to say which part of corral is missing). */
function kindOf(body: unknown): string | undefined {
  const kind = (body as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' ? kind : undefined;
}
