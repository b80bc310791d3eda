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
import {
  downtimeMatches,
  type DowntimeFacts,
  type DowntimeMatch,
} from '../domain/downtime-match.js';
import { DOWNTIME_TOO_LONG, MAX_DOWNTIME_SECONDS } from '../domain/downtime-window.js';
import { untilBackMatch, type UntilBackDowntime } from '../domain/until-back.js';
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
  action?: (id: number) => Promise<UndoneAction | undefined>;
  nextActionId: ActionLedger['nextActionId'];
  /** Keeps until-back downtimes until their slaves' next start; absent: none are taken. */
  untilBack?: {
    add: (downtimes: UntilBackDowntime[]) => Promise<unknown>;
    /** Forgets those of an action whose targets failed: no downtime was made on them. */
    drop: (actionId: number, slaves: readonly string[]) => Promise<unknown>;
  };
  /** Which action made each downtime: fed the claims of every action as it begins. */
  madeBy?: MadeByIndex;
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
  /** extend-downtime: each target's downtimes and their new ends. */
  moves: Map<string, Move[]> | undefined;
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
  /** extend-downtime: each acted-on target's downtimes and their new ends. */
  moves?: Map<string, Move[]>;
}

/** A downtime `extend-downtime` moves: as the monitoring system shows it, and its new end (epoch ms). */
interface Move {
  downtime: ServiceDowntime;
  end: number;
}

/** What corral's own actions (not an operator's) set instead of what a request would. */
interface Internal {
  cancels?: DowntimeMatch;
  summary?: string;
  /** An undo's own preparation, made before it is submitted. */
  prepared?: Prepared;
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
    this.runs = new ActionRuns(parts);
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
    if (!plan.dryRun) await this.refuseIfCannot(rebooting);
    if (rebooting) {
      const summary = describeAction(author, plan.kind, plan.params, plan.targets.length, plan.at);
      const downtime = plan.params.untilBack ? await this.downtimeBeforeReboot(plan) : null;
      const own = new Set(downtime?.slaves);
      const result = await this.reboots!.submit(plan, summary, requestId, own);
      if (!('dryRun' in result)) return result;
      const existing = this.parts.views(plan.targets).flatMap(existingOf);
      return { ...result, lines: [...(downtime?.lines ?? []), ...result.lines], existing };
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

  /**
   * Ends an until-back downtime at its slave's start: an action by corral cancelling exactly that
   * downtime, its summary naming the start. Resolves with the action once the backend has it.
   */
  async endUntilBack(d: UntilBackDowntime, startAt: number): Promise<ActionView> {
    const monitor = this.parts.monitor;
    if (monitor === null) throw new Error('no monitoring system to cancel the downtime in');
    const plan: PlannedAction = {
      kind: 'cancel-downtime',
      targets: [d.slave],
      author: CORRAL,
      at: Date.now(),
      params: { actionId: d.actionId, untilBack: true },
      dryRun: false,
    };
    const summary = `corral ended ${d.author}'s until-back downtime (action ${d.actionId}) on ${d.slave}: it started at ${new Date(startAt).toISOString()}`;
    const view = await this.submitToMonitor(monitor, plan, undefined, {
      cancels: untilBackMatch(d),
      summary,
    });
    return view as ActionView;
  }

  private async submitToMonitor(
    monitor: Monitor,
    plan: PlannedAction,
    requestId: string | undefined,
    internal: Internal = {},
  ): Promise<ActionView | DryRunView> {
    const prepared = internal.prepared ?? (await this.prepare(monitor, plan, internal.cancels));
    const { skips } = prepared;
    const summary =
      internal.summary ??
      describeAction(
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
    const failAll = (err: Error) =>
      targets.map((t): Answer => ({ slave: t.name, outcome: 'unsent', reason: err.message }));
    const answers =
      targets.length === 0
        ? []
        : await this.keepUntilBack(plan, action.id, targets)
            .then(() =>
              prepared.moves
                ? this.move(monitor, prepared.moves, targets)
                : monitor.act(this.effectOf(plan, targets, prepared), targets),
            )
            .catch(failAll);
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
    if (plan.kind === 'downtime' && plan.params.untilBack) {
      const failed = action.targets.filter((t) => t.status === 'failed').map((t) => t.slave);
      // A row left behind is harmless: at the slave's start it is found gone and forgotten.
      if (failed.length > 0) await this.parts.untilBack?.drop(action.id, failed).catch(() => {});
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
      moves: prepared.moves,
      confirmAs: prepared.undo?.confirmAs,
    });
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
    const undone = await this.parts.action?.(id);
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
        prepared: {
          skips: undo.skips,
          existing: undo.existing,
          cancels: undo.confirmAs.cancels,
          owners,
          undo,
        },
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
      case 'extend-downtime': // moved downtime by downtime (move)
      case 'park':
      case 'unpark':
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
        : prepared.moves
          ? await this.previewMove(monitor, prepared.moves, targets)
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
        const ref = w.refs.get(t.slave)!;
        const shown = w.moves
          ? moved(monitor, ref, w.moves.get(t.slave) ?? [])
          : monitor.confirmed({ ...action, cancels: w.cancels, ...w.confirmAs }, ref);
        if (shown) {
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
  private async prepare(
    monitor: Monitor,
    plan: PlannedAction,
    given?: DowntimeMatch,
  ): Promise<Prepared> {
    const skips = new Map<string, string>();
    if (plan.kind === 'extend-downtime') return this.prepareMove(monitor, plan);
    if (plan.kind !== 'cancel-downtime') {
      const views = this.parts.views(plan.targets);
      for (const v of views) {
        const why = skipReason(plan.kind, plan.params, plan.author, v);
        if (why !== null) skips.set(v.name, why);
      }
      return { skips, existing: views.flatMap(existingOf), cancels: undefined, owners: [] };
    }
    const p = plan.params;
    const cancels =
      given ?? downtimeMatchOf(p, p.actionId === undefined ? null : await this.madeBy(p.actionId));
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

  /**
   * `reboot --downtime-until-back`: the slaves the reboot will reboot get an until-back downtime
   * first (its own audited action), so they stop alerting and start again only if not back.
   */
  private async downtimeBeforeReboot(
    plan: PlannedAction,
  ): Promise<{ slaves: string[]; lines: string[] }> {
    const monitor = this.parts.monitor;
    if (monitor === null) {
      throw new ActionRefused(
        'params.downtimeUntilBack: this collector is not wired to Nagios or Icinga 2: it cannot schedule a downtime (reboot without --downtime-until-back)',
        'params.downtimeUntilBack',
        'unavailable',
      );
    }
    const slaves = this.reboots!.wouldReboot(plan);
    if (slaves.length === 0) return { slaves, lines: [] };
    const { comment, start, end, fixed, durationSeconds } = plan.params;
    const downtime = await this.submitToMonitor(
      monitor,
      {
        ...plan,
        kind: 'downtime',
        targets: slaves,
        params: { comment, start, end, fixed, durationSeconds, untilBack: true },
      },
      undefined,
    );
    // A dry run shows the downtime's lines before the reboot's commands.
    if ('dryRun' in downtime) return { slaves, lines: downtime.lines };
    const made = downtime.targets.filter((t) => t.status !== 'failed').map((t) => t.slave);
    return { slaves: made, lines: [] };
  }

  /** Keeps a `downtime --until-back`'s downtimes, before they are sent, until their slaves' starts. */
  private async keepUntilBack(
    plan: PlannedAction,
    actionId: number,
    targets: readonly SlaveRef[],
  ): Promise<void> {
    const p = plan.params;
    if (plan.kind !== 'downtime' || !p.untilBack) return;
    const keep = this.parts.untilBack;
    if (keep === undefined) throw new Error('this collector does not keep until-back downtimes');
    await keep
      .add(
        targets.map((t) => ({
          slave: t.name,
          actionId,
          author: plan.author,
          comment: p.comment!,
          start: Date.parse(p.start!),
          fixed: p.fixed ?? true,
          since: plan.at,
        })),
      )
      .catch((err: Error) => {
        throw new Error(
          `cannot keep the until-back downtime, so none was scheduled: ${err.message}`,
        );
      });
  }

  /**
   * extend-downtime: each target's downtimes (all, or only those `author`/`actionId` limit it to)
   * with their new ends. A new end already past, not after the downtime's start, or too long
   * refuses the whole request; a target without such a downtime is skipped.
   */
  private async prepareMove(monitor: Monitor, plan: PlannedAction): Promise<Prepared> {
    const p = plan.params;
    const limit = downtimeMatchOf(
      p,
      p.actionId === undefined ? null : await this.madeBy(p.actionId),
    );
    if (typeof limit === 'string') throw new ActionRefused(limit, 'params.author');
    // An extended downtime is still its action's: its end is the one thing that moved.
    const only = limit && { ...limit, end: undefined };
    const field = p.extendSeconds === undefined ? 'params.until' : 'params.extend';
    const skips = new Map<string, string>();
    const existing: ExistingMute[] = [];
    const moves = new Map<string, Move[]>();
    for (const slave of plan.targets) {
      const service = monitor.service(this.parts.slave(slave)!);
      const chosen = (service?.downtimes ?? []).filter((d) =>
        downtimeMatches(only, downtimeFacts(d)),
      );
      existing.push(...chosen.map((d) => downtimeExisting(slave, d)));
      const mine: Move[] = [];
      for (const d of chosen) {
        const end =
          p.extendSeconds === undefined
            ? Date.parse(p.end!)
            : Date.parse(d.end) + p.extendSeconds * 1000;
        const problem = newEndProblem(d, end, plan.at);
        if (problem !== null) throw new ActionRefused(`${field}: ${slave}: ${problem}`, field);
        if (end !== Date.parse(d.end)) mine.push({ downtime: d, end });
      }
      if (chosen.length === 0) skips.set(slave, `${nothingToCancel(p)} to move`);
      else if (mine.length === 0) skips.set(slave, 'its downtimes already end then');
      else moves.set(slave, mine);
    }
    const owners = [...new Set(existing.map((e) => e.by))].sort();
    return { skips, existing, cancels: only, owners, moves };
  }

  /**
   * Moves downtimes the only way Nagios allows: the same downtime with the new end is scheduled
   * first, then the old one deleted, so the slave is never unmuted in between. Grouped by
   * downtime, so a bulk's identical downtimes go in one request each way.
   */
  private async move(
    monitor: Monitor,
    moves: ReadonlyMap<string, Move[]>,
    targets: readonly SlaveRef[],
  ): Promise<Answer[]> {
    const failed = new Map<string, Answer>();
    for (const group of groupMoves(moves, targets)) {
      const scheduled = await monitor.act(newDowntime(group), group.slaves);
      for (const a of scheduled) if ('reason' in a) failed.set(a.slave, a);
      const old = group.slaves.filter((s) => !failed.has(s.name));
      if (old.length === 0) continue;
      const removed = await monitor.act(oldDowntime(group), old);
      for (const a of removed) {
        if ('reason' in a) {
          failed.set(a.slave, {
            ...a,
            reason: `the new downtime was scheduled but the old one not removed: ${a.reason}`,
          });
        }
      }
    }
    return targets.map((t): Answer => failed.get(t.name) ?? { slave: t.name, outcome: 'sent' });
  }

  private async previewMove(
    monitor: Monitor,
    moves: ReadonlyMap<string, Move[]>,
    targets: readonly SlaveRef[],
  ): Promise<{ answers: Answer[]; lines: string[] }> {
    const lines: string[] = [];
    const failed = new Map<string, Answer>();
    for (const group of groupMoves(moves, targets)) {
      for (const action of [newDowntime(group), oldDowntime(group)]) {
        const previewed = await monitor.preview(action, group.slaves);
        lines.push(...previewed.lines);
        for (const a of previewed.answers) if ('reason' in a) failed.set(a.slave, a);
      }
    }
    const answers = targets.map(
      (t): Answer => failed.get(t.name) ?? { slave: t.name, outcome: 'sent' },
    );
    return { answers, lines };
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

/** The author of what corral does by itself (an until-back downtime ended by a start). */
const CORRAL = 'corral';

/** Why a downtime cannot end at `end` (epoch ms), asked at `now`; null when it can. */
function newEndProblem(d: ServiceDowntime, end: number, now: number): string | null {
  const at = new Date(end).toISOString();
  const whose = `${d.author}'s downtime (${d.comment})`;
  if (end <= now) return `${whose} would end at ${at}, already past: cancel it instead`;
  if (end <= Date.parse(d.start)) {
    return `${whose} would end at ${at}, before it starts at ${d.start}: cancel it instead`;
  }
  if (end - Date.parse(d.start) > MAX_DOWNTIME_SECONDS * 1000) {
    return `${whose} would last from ${d.start} to ${at}: ${DOWNTIME_TOO_LONG}`;
  }
  return null;
}

/** One downtime (the same on each of `slaves`) and its new end. */
interface MoveGroup {
  downtime: ServiceDowntime;
  end: number;
  slaves: SlaveRef[];
}

function groupMoves(moves: ReadonlyMap<string, Move[]>, targets: readonly SlaveRef[]): MoveGroup[] {
  const groups = new Map<string, MoveGroup>();
  for (const ref of targets) {
    for (const { downtime: d, end } of moves.get(ref.name) ?? []) {
      const key = JSON.stringify([
        d.author,
        d.comment,
        d.start,
        d.end,
        d.fixed,
        d.durationSeconds,
        end,
      ]);
      const group = groups.get(key) ?? { downtime: d, end, slaves: [] };
      group.slaves.push(ref);
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}

/** The same downtime (author, comment, start, kind, length once started) with its new end. */
function newDowntime({ downtime: d, end }: MoveGroup): MonitorAction {
  const start = Date.parse(d.start);
  return {
    kind: 'downtime',
    start,
    end,
    fixed: d.fixed,
    ...(d.fixed ? {} : { durationSeconds: d.durationSeconds ?? (end - start) / 1000 }),
    author: d.author,
    comment: d.comment,
  };
}

/** Exactly the old downtime: the new one differs from it by its end. */
function oldDowntime({ downtime: d }: MoveGroup): MonitorAction {
  return { kind: 'cancel-downtime', only: downtimeFacts(d) };
}

/** Whether the backend shows each moved downtime at its new end and none at its old end. */
function moved(monitor: Monitor, ref: SlaveRef, moves: readonly Move[]): boolean {
  const shown = monitor.service(ref)?.downtimes ?? [];
  return moves.every(({ downtime: d, end }) => {
    const same = (x: ServiceDowntime) =>
      x.author === d.author &&
      x.comment === d.comment &&
      x.start === d.start &&
      x.fixed === d.fixed;
    return (
      shown.some((x) => same(x) && Date.parse(x.end) === end) &&
      !shown.some((x) => same(x) && x.end === d.end)
    );
  });
}

function downtimeFacts(d: ServiceDowntime): DowntimeFacts {
  return {
    author: d.author,
    comment: d.comment,
    start: Date.parse(d.start),
    end: Date.parse(d.end),
    fixed: d.fixed,
  };
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
