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
import { ParkActions, type ParkParts } from './park-actions.js';
import { ActionRefused, planAction, type PlannedAction } from './request.js';
import type { ActionFacts } from '../domain/action-facts.js';
import type { MadeByIndex } from './made-by-index.js';
import { planUndo, undoRefusal, type MonitorUndo, type UndoneAction } from './undo.js';

/** What the engine needs of the collector; kept narrow so the engine is testable on its own. */
export interface EngineParts {
  /** Null when the collector has no monitoring (no nagios.command_file): those actions are refused (reboots run). */
  monitor: Monitor | null;
  /** Null when no reboot methods are configured: reboots are refused. */
  reboot: RebootParts | null;
  /** Where parks are kept; without it park and unpark are refused. */
  parks?: ParkParts;
  /** The slave's reference for monitoring (name and inventory attributes); undefined if unknown. */
  slave: (name: string) => SlaveRef | undefined;
  /** Current views, for re-submitting states and for what targets already have. */
  views: (names: readonly string[]) => SlaveView[];
  /**
   * A recorded action (for a cancel limited to one action's downtimes, and the action an undo
   * undoes, with the undo that undid it); undefined if none.
   */
  action?: (id: number) => UndoneAction | undefined;
  /** Which action made each downtime: fed the claims of every action as it begins. */
  madeBy?: MadeByIndex;
  save: ActionLedger['save'];
  broadcast: ActionLedger['broadcast'];
  lastActionId: number;
  confirmWithinMs: number;
  onTargets?: (kind: string, outcome: TargetStatus, count: number) => void;
  warn: (details: Record<string, unknown>, msg: string) => void;
}

/** A monitoring action that was sent, waiting for the backend to show it done. */
interface Waiting {
  run: ActionRun;
  refs: Map<string, SlaveRef>;
  deadline: NodeJS.Timeout;
  /** cancel-downtime: the downtimes it removes (all when undefined). */
  cancels: DowntimeMatch | undefined;
  /** An undo: the action it is read back as (a cancel-downtime, a remove-ack). */
  confirmAs: Pick<ActionFacts, 'kind' | 'cancels'> | undefined;
}

/** What a monitoring action finds before it acts: the targets it skips, and why. */
interface Prepared {
  skips: Map<string, string>;
  existing: ExistingMute[];
  /** cancel-downtime: the downtimes it removes (all when undefined), and their authors. */
  cancels: DowntimeMatch | undefined;
  owners: string[];
  /** An undo: what is sent, and what it is read back as. */
  undo?: MonitorUndo;
}

export class ActionEngine {
  private readonly runs: ActionRuns;
  private readonly waiting = new Map<number, Waiting>();
  /** Actions an undo is being recorded for: a second undo asked meanwhile is refused. */
  private readonly undoing = new Set<number>();
  private readonly unsubscribe: () => void;
  /** Null when no reboot methods are configured. */
  readonly reboots: RebootActions | null;
  private readonly parking: ParkActions | null;

  constructor(private readonly parts: EngineParts) {
    this.runs = new ActionRuns(parts, parts.lastActionId);
    this.unsubscribe = parts.monitor?.subscribe({ readBack: () => this.confirm() }) ?? (() => {});
    this.reboots = parts.reboot && new RebootActions(parts.reboot, this.runs, parts.warn);
    this.parking = parts.parks ? new ParkActions(parts.parks, parts, this.runs) : null;
  }

  /** Runs a request from `author`; resolves once the monitoring system has it (or it failed). */
  async submit(
    body: unknown,
    author: string,
    requestId?: string,
  ): Promise<ActionView | DryRunView> {
    const kind = kindOf(body);
    // A park is corral's own record first: it is taken without a monitoring system too.
    if (kind === 'park' || kind === 'unpark') return this.park(body, author, requestId);
    if (kind === 'undo') return this.undo(body, author, requestId);
    const rebooting = isRebootKind(kind);
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
    if (rebooting) {
      const summary = describeAction(author, plan.kind, plan.params, plan.targets.length, plan.at);
      const result = await this.reboots!.submit(plan, summary, requestId);
      if (!('dryRun' in result)) return result;
      const existing = this.parts.views(plan.targets).flatMap(existingOf);
      return { ...result, existing };
    }
    return this.submitToMonitor(monitor!, plan, requestId);
  }

  private async park(
    body: unknown,
    author: string,
    requestId: string | undefined,
  ): Promise<ActionView | DryRunView> {
    const parking = this.parking;
    if (parking === null) {
      throw new ActionRefused('this collector does not keep parks', 'kind', 'unavailable');
    }
    const plan = planAction(body, {
      now: Date.now(),
      author,
      known: (name) => this.parts.slave(name) !== undefined || parking.isParked(name),
    });
    return parking.submit(plan, requestId);
  }

  private async submitToMonitor(
    monitor: Monitor,
    plan: PlannedAction,
    requestId: string | undefined,
    prepared: Prepared = this.prepare(monitor, plan),
  ): Promise<ActionView | DryRunView> {
    const { skips } = prepared;
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
    this.parts.madeBy?.addAction({
      ...action,
      targets: action.targets.filter((t) => !skips.has(t.slave)),
    });

    // Whatever goes wrong, the recorded action ends with each target's result, never pending.
    const targets = [...acting.values()];
    const answers =
      targets.length === 0
        ? []
        : await monitor.act(this.effectOf(plan, targets, prepared), targets).catch((err: Error) =>
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
    this.waiting.set(action.id, {
      run,
      refs,
      deadline,
      cancels: prepared.cancels,
      confirmAs: prepared.undo?.confirmAs,
    });
    this.confirm();
    return run.view();
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
    this.parking?.close();
    await this.reboots?.close();
  }

  /** What is sent for the plan: an undo's own action, or the plan in the seam's words. */
  private effectOf(
    plan: PlannedAction,
    targets: readonly SlaveRef[],
    prepared: Prepared,
  ): MonitorAction {
    return prepared.undo?.act ?? this.monitorAction(plan, targets, prepared.cancels);
  }

  /**
   * Undoes an action (`params.actionId`) on its targets: checked (it exists, has an undo, was not
   * undone yet, the targets are its), then carried out as its kind's entry in UNDO_RULES says,
   * audited as an `undo`.
   */
  private async undo(
    body: unknown,
    author: string,
    requestId: string | undefined,
  ): Promise<ActionView | DryRunView> {
    const plan = planAction(body, {
      now: Date.now(),
      author,
      known: (name) => this.parts.slave(name) !== undefined,
    });
    const id = plan.params.actionId!;
    const undone = this.parts.action?.(id);
    if (undone === undefined) {
      throw new ActionRefused(
        `there is no action ${id} in the audit log (GET /api/v1/actions); nothing was done`,
        'params.actionId',
      );
    }
    const refusal = this.undoing.has(id)
      ? `action ${id} is being undone already: nothing to undo`
      : undoRefusal(undone, plan.targets);
    if (refusal !== null) throw new ActionRefused(refusal, 'params.actionId');
    const monitor = this.parts.monitor;
    const look = {
      view: (name: string) => this.parts.views([name])[0],
      service: (name: string) => monitor?.service(this.parts.slave(name)!) ?? null,
    };
    const undo = planUndo(undone, plan.targets, look);
    const summary = describeAction(author, plan.kind, plan.params, plan.targets.length, plan.at);
    // Held until the undo is recorded (the audit log then says it is undone); a dry run holds none.
    const guard = !plan.dryRun;
    if (guard) this.undoing.add(id);
    try {
      if (undo.via === 'unpark') {
        if (this.parking === null) {
          throw new ActionRefused('this collector does not keep parks', 'kind', 'unavailable');
        }
        return await this.parking.undo(plan, summary, undo.skips, requestId);
      }
      if (undo.via === 'reboot') {
        if (this.reboots === null) {
          throw new ActionRefused(NO_REBOOT_METHODS, 'kind', 'unavailable');
        }
        const result = await this.reboots.undo(plan, summary, requestId, id, undo.skips);
        return 'dryRun' in result ? { ...result, existing: undo.existing } : result;
      }
      if (monitor === null) {
        throw new ActionRefused(
          'this collector is not wired to Nagios or Icinga 2: set nagios.command_file (or icinga2:) in corral.yaml',
          undefined,
          'unavailable',
        );
      }
      const owners = [...new Set(undo.existing.map((e) => e.by))].sort();
      return await this.submitToMonitor(monitor, plan, requestId, {
        skips: undo.skips,
        existing: undo.existing,
        cancels: undo.confirmAs.cancels,
        owners,
        undo,
      });
    } finally {
      if (guard) this.undoing.delete(id);
    }
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
    prepared: Prepared,
  ): Promise<DryRunView> {
    const { skips, existing } = prepared;
    const targets = [...acting.values()];
    const { answers, lines } =
      targets.length === 0
        ? { answers: [], lines: [] }
        : await monitor.preview(this.effectOf(plan, targets, prepared), targets);
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
        const facts = { ...action, cancels: w.cancels, ...w.confirmAs };
        if (monitor.confirmed(facts, w.refs.get(t.slave)!)) {
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
  private prepare(monitor: Monitor, plan: PlannedAction): Prepared {
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
    const cancels = downtimeMatchOf(p, p.actionId === undefined ? null : this.madeBy(p.actionId));
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
  private madeBy(id: number): DowntimeActionFacts {
    const made = this.parts.action?.(id);
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
