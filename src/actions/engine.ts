// The bulk action engine: one path for the console and the command line. It plans a request,
// records it (who, when, what, targets) before acting, writes it to Nagios in one packed write,
// records each target's result, streams progress to every console, and marks targets confirmed
// as status.dat shows them, or unconfirmed when Nagios has not shown them in time. Reboots go
// through the same door and audit log, carried out by RebootActions.
import {
  isRebootKind,
  type ActionView,
  type DryRunView,
  type ExistingMute,
  type TargetStatus,
} from '../domain/protocol.js';
import {
  NagiosBridge,
  type ActionOutcome,
  type LineWriter,
  type SlaveRef,
} from '../nagios/bridge.js';
import type { SlaveView } from '../domain/slave.js';
import { NagiosInputError } from '../nagios/commands.js';
import {
  downtimesOf as downtimesOfService,
  type Downtime,
  type NagiosStatus,
} from '../nagios/status-file.js';
import { isConfirmed, precheck } from './confirm.js';
import { describeAction } from './describe.js';
import {
  downtimeChooser,
  existingOf,
  nothingToCancel,
  skipReason,
  type DowntimeActionFacts,
} from './existing.js';
import { ActionRuns, type ActionLedger, type ActionRun } from './action-run.js';
import type { StoredActionLike } from './action-record.js';
import { NO_REBOOT_METHODS, RebootActions, type RebootParts } from './reboots.js';
import { ActionRefused, planAction, type PlannedAction } from './request.js';

/** What actions need of the collector's link to Nagios. */
export interface NagiosForActions {
  readonly bridge: NagiosBridge;
  /** For a dry run: a bridge like the real one that records lines instead of writing. */
  dryRunBridge(writer: LineWriter): NagiosBridge;
  /** status.dat as last read; null without a status file. */
  readonly status: NagiosStatus | null;
  readonly hasStatusFile: boolean;
  onStatus(listener: (status: NagiosStatus) => void): () => void;
}

/** What the engine needs of the collector; kept narrow so the engine is testable on its own. */
export interface EngineParts {
  /** Null when the collector has no nagios.command_file: Nagios actions are refused (reboots run). */
  nagios: NagiosForActions | null;
  /** Null when no reboot methods are configured: reboots are refused. */
  reboot: RebootParts | null;
  /** The slave's reference for Nagios (name and inventory attributes); undefined if unknown. */
  slave: (name: string) => SlaveRef | undefined;
  /** Current views, for re-submitting states and for what targets already have. */
  views: (names: readonly string[]) => SlaveView[];
  /** A recorded action (for a cancel limited to one action's downtimes); undefined if none. */
  action?: (id: number) => Pick<ActionView, 'author' | 'kind' | 'params'> | undefined;
  save: ActionLedger['save'];
  broadcast: ActionLedger['broadcast'];
  lastActionId: number;
  confirmWithinMs: number;
  onTargets?: (kind: string, outcome: TargetStatus, count: number) => void;
  warn: (details: Record<string, unknown>, msg: string) => void;
}

/** A Nagios action whose commands were sent, waiting for status.dat to show them done. */
interface Waiting {
  run: ActionRun;
  refs: Map<string, SlaveRef>;
  deadline: NodeJS.Timeout;
  /** The downtimes a cancel removes. */
  which: (d: Downtime) => boolean;
}

/** What a Nagios action finds before it acts: the targets it skips, and why. */
interface Prepared {
  skips: Map<string, string>;
  existing: ExistingMute[];
  /** cancel-downtime: the downtimes it removes, and their authors. */
  which: (d: Downtime) => boolean;
  owners: string[];
}

export class ActionEngine {
  private readonly runs: ActionRuns;
  private readonly waiting = new Map<number, Waiting>();
  private readonly unsubscribe: () => void;
  /** Null when no reboot methods are configured. */
  readonly reboots: RebootActions | null;

  constructor(private readonly parts: EngineParts) {
    this.runs = new ActionRuns(parts, parts.lastActionId);
    this.unsubscribe = parts.nagios?.onStatus((s) => this.confirm(s)) ?? (() => {});
    this.reboots = parts.reboot && new RebootActions(parts.reboot, this.runs, parts.warn);
  }

  /** Runs a request from `author`; resolves once Nagios has the commands (or they failed). */
  async submit(
    body: unknown,
    author: string,
    requestId?: string,
  ): Promise<ActionView | DryRunView> {
    const rebooting = isRebootKind(kindOf(body));
    if (rebooting && this.reboots === null) {
      throw new ActionRefused(NO_REBOOT_METHODS, 'kind', 'unavailable');
    }
    const nagios = this.parts.nagios;
    if (!rebooting && nagios === null) {
      throw new ActionRefused(
        'this collector is not wired to Nagios: set nagios.command_file in corral.yaml',
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
    return this.submitToNagios(nagios!, plan, requestId);
  }

  private async submitToNagios(
    nagios: NagiosForActions,
    plan: PlannedAction,
    requestId: string | undefined,
  ): Promise<ActionView | DryRunView> {
    const prepared = this.prepare(nagios, plan);
    const { skips, which } = prepared;
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
    if (plan.dryRun) return this.dryRun(plan, acting, summary, prepared);

    const run = await this.runs.begin(plan, summary, requestId);
    const action = run.action;

    // Whatever goes wrong, the recorded action ends with each target's result, never pending.
    const outcome = await this.execute(nagios.bridge, plan, acting, nagios.status, which).catch(
      (err: Error) =>
        [...acting.keys()].map((slave) => ({ slave, ok: false as const, error: err.message })),
    );
    const byName = new Map(action.targets.map((t) => [t.slave, t]));
    for (const [slave, why] of skips) {
      const t = byName.get(slave)!;
      t.status = 'skipped';
      t.error = why;
    }
    for (const r of outcome) {
      const t = byName.get(r.slave)!;
      t.status = r.ok ? 'sent' : 'failed';
      t.error = r.ok ? null : r.error;
    }
    this.count(action, 'sent');
    this.count(action, 'failed');
    this.count(action, 'skipped');
    await run.step('sent');
    const sent = action.targets.some((t) => t.status === 'sent');
    if (!sent || !nagios.hasStatusFile) {
      await run.finish();
      return run.view();
    }
    const deadline = setTimeout(() => this.expire(action.id), this.parts.confirmWithinMs);
    deadline.unref();
    this.waiting.set(action.id, { run, refs, deadline, which });
    const status = nagios.status;
    if (status) this.confirm(status);
    return run.view();
  }

  /** Actions still under way: waiting for Nagios, or slaves still rebooting (fresher than the store). */
  inFlight(id: number): ActionView | undefined {
    return this.runs.inFlight(id);
  }

  /** Stops waiting for Nagios; cancels running reboots and waits until they are recorded. */
  async close(): Promise<void> {
    this.unsubscribe();
    for (const w of this.waiting.values()) clearTimeout(w.deadline);
    this.waiting.clear();
    await this.reboots?.close();
  }

  /**
   * Fails the targets Nagios cannot take as it stands (no such service, nothing to acknowledge),
   * then sends the rest through the bridge in one packed write.
   */
  private async execute(
    bridge: NagiosBridge,
    plan: PlannedAction,
    refs: Map<string, SlaveRef>,
    status: NagiosStatus | null,
    which: (d: Downtime) => boolean,
  ): Promise<ActionOutcome['results']> {
    const refused = new Map<string, string>();
    const go: SlaveRef[] = [];
    for (const [name, ref] of refs) {
      let why: string | null;
      try {
        why = status ? precheck(plan.kind, status, bridge.targetOf(ref)) : null;
      } catch (err) {
        // A name or attribute that cannot be a Nagios service fails this target alone, saying why.
        if (!(err instanceof NagiosInputError)) throw err;
        why = err.message;
      }
      if (why) refused.set(name, why);
      else go.push(ref);
    }
    const results = go.length === 0 ? [] : (await this.call(bridge, plan, go, which)).results;
    const byName = new Map(results.map((r) => [r.slave, r]));
    return [...refs.keys()].map(
      (slave) =>
        byName.get(slave) ??
        (refused.has(slave)
          ? { slave, ok: false as const, error: refused.get(slave)! }
          : { slave, ok: false as const, error: 'not sent' }),
    );
  }

  private call(
    bridge: NagiosBridge,
    plan: PlannedAction,
    slaves: SlaveRef[],
    which: (d: Downtime) => boolean,
  ): Promise<ActionOutcome> {
    const p = plan.params;
    switch (plan.kind) {
      case 'downtime':
        return bridge.scheduleDowntime(slaves, {
          startMs: Date.parse(p.start!),
          endMs: Date.parse(p.end!),
          fixed: p.fixed ?? true,
          durationSeconds: p.durationSeconds,
          author: plan.author,
          comment: p.comment!,
        });
      case 'cancel-downtime':
        return bridge.cancelDowntimes(slaves, which).catch((err: Error) => ({
          results: slaves.map((s) => ({ slave: s.name, ok: false as const, error: err.message })),
          write: null,
        }));
      case 'ack':
        return bridge.acknowledge(slaves, {
          author: plan.author,
          comment: p.comment!,
          sticky: p.sticky ?? true,
        });
      case 'remove-ack':
        return bridge.removeAcknowledgement(slaves);
      case 'force-check':
        return bridge.forceCheck(slaves);
      case 'recheck': {
        const views = this.parts.views(slaves.map((s) => s.name));
        return bridge.resubmit(views);
      }
      case 'reboot':
      case 'cancel-reboot':
        throw new Error('a reboot is not a Nagios command'); // submit() sends these elsewhere
    }
  }

  private async dryRun(
    plan: PlannedAction,
    refs: Map<string, SlaveRef>,
    summary: string,
    { skips, which, existing }: Prepared,
  ): Promise<DryRunView> {
    const lines: string[] = [];
    const recorder: LineWriter = {
      write(written) {
        lines.push(...written);
        return Promise.resolve({ lines: written.length, writes: 0, bytes: 0 });
      },
    };
    const nagios = this.parts.nagios!;
    const bridge = nagios.dryRunBridge(recorder);
    const results = await this.execute(bridge, plan, refs, nagios.status, which);
    const byName = new Map(results.map((r) => [r.slave, r]));
    return {
      dryRun: true,
      summary,
      targets: plan.targets.map((slave): DryRunView['targets'][number] => {
        const skipped = skips.get(slave);
        if (skipped !== undefined) return { slave, status: 'skipped', error: skipped };
        const r = byName.get(slave)!;
        return r.ok
          ? { slave, status: 'pending', error: null }
          : { slave, status: 'failed', error: r.error };
      }),
      lines,
      existing,
    };
  }

  /** Marks the targets status.dat now shows done; finishes an action when none is left waiting. */
  private confirm(status: NagiosStatus): void {
    const bridge = this.parts.nagios!.bridge;
    for (const w of this.waiting.values()) {
      const action = w.run.action;
      let confirmed = 0;
      for (const t of action.targets) {
        if (t.status !== 'sent') continue;
        // A sent target's service was worked out from the same reference when its line was built.
        if (isConfirmed(action, status, bridge.targetOf(w.refs.get(t.slave)!), w.which)) {
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
  private prepare(nagios: NagiosForActions, plan: PlannedAction): Prepared {
    const skips = new Map<string, string>();
    if (plan.kind !== 'cancel-downtime') {
      const views = this.parts.views(plan.targets);
      for (const v of views) {
        const why = skipReason(plan.kind, plan.params, plan.author, v);
        if (why !== null) skips.set(v.name, why);
      }
      return { skips, existing: views.flatMap(existingOf), which: () => true, owners: [] };
    }
    const p = plan.params;
    const which = downtimeChooser(p, p.actionId === undefined ? null : this.madeBy(p.actionId));
    const limited = p.author !== undefined || p.actionId !== undefined;
    const existing: ExistingMute[] = [];
    const status = nagios.status;
    for (const slave of plan.targets) {
      const chosen = status ? this.downtimesOf(nagios, status, slave).filter(which) : [];
      existing.push(...chosen.map((d) => downtimeExisting(slave, d)));
      if (limited && status && chosen.length === 0) skips.set(slave, nothingToCancel(p));
    }
    const owners = [...new Set(existing.map((e) => e.by))].sort();
    return { skips, existing, which, owners };
  }

  /** The slave's downtimes in status.dat; none when its name cannot be a Nagios service. */
  private downtimesOf(nagios: NagiosForActions, status: NagiosStatus, slave: string): Downtime[] {
    try {
      const target = nagios.bridge.targetOf(this.parts.slave(slave)!);
      return downtimesOfService(status, target.host, target.service);
    } catch (err) {
      if (err instanceof NagiosInputError) return []; // the target fails alone when sent
      throw err;
    }
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
      t.error = `not confirmed by Nagios within ${within}s`;
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

function downtimeExisting(slave: string, d: Downtime): ExistingMute {
  return {
    slave,
    kind: 'downtime',
    by: d.author,
    comment: d.comment,
    start: new Date(d.start).toISOString(),
    end: new Date(d.end).toISOString(),
    downtimeId: d.id,
  };
}

/** The request's kind, read before it is checked whole (to say which part of corral is missing). */
function kindOf(body: unknown): string | undefined {
  const kind = (body as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' ? kind : undefined;
}
