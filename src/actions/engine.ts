// The bulk action engine: one path for the console and the command line. It plans a request,
// records it (who, when, what, targets) before acting, writes it to Nagios in one packed write,
// records each target's result, streams progress to every console, and marks targets confirmed
// as status.dat shows them, or unconfirmed when Nagios has not shown them in time. Reboots go
// through the same door and audit log, carried out by RebootActions.
import {
  isRebootKind,
  type ActionView,
  type DryRunView,
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
import type { NagiosStatus } from '../nagios/status-file.js';
import { isConfirmed, precheck } from './confirm.js';
import { describeAction } from './describe.js';
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
  /** Current views, for re-submitting states. */
  views: (names: readonly string[]) => SlaveView[];
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
    const summary = describeAction(author, plan.kind, plan.params, plan.targets.length, plan.at);
    if (rebooting) return this.reboots!.submit(plan, summary, requestId);
    return this.submitToNagios(nagios!, plan, summary, requestId);
  }

  private async submitToNagios(
    nagios: NagiosForActions,
    plan: PlannedAction,
    summary: string,
    requestId: string | undefined,
  ): Promise<ActionView | DryRunView> {
    const refs = new Map(plan.targets.map((name) => [name, this.parts.slave(name)!]));
    if (plan.dryRun) return this.dryRun(plan, refs, summary);

    const run = await this.runs.begin(plan, summary, requestId);
    const action = run.action;

    // Whatever goes wrong, the recorded action ends with each target's result, never pending.
    const outcome = await this.execute(nagios.bridge, plan, refs, nagios.status).catch(
      (err: Error) =>
        plan.targets.map((slave) => ({ slave, ok: false as const, error: err.message })),
    );
    const byName = new Map(action.targets.map((t) => [t.slave, t]));
    for (const r of outcome) {
      const t = byName.get(r.slave)!;
      t.status = r.ok ? 'sent' : 'failed';
      t.error = r.ok ? null : r.error;
    }
    this.count(action, 'sent');
    this.count(action, 'failed');
    await run.step('sent');
    const sent = action.targets.some((t) => t.status === 'sent');
    if (!sent || !nagios.hasStatusFile) {
      await run.finish();
      return run.view();
    }
    const deadline = setTimeout(() => this.expire(action.id), this.parts.confirmWithinMs);
    deadline.unref();
    this.waiting.set(action.id, { run, refs, deadline });
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
    const results = go.length === 0 ? [] : (await this.call(bridge, plan, go)).results;
    const byName = new Map(results.map((r) => [r.slave, r]));
    return plan.targets.map(
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
        return bridge.cancelDowntimes(slaves).catch((err: Error) => ({
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
  ): Promise<DryRunView> {
    const lines: string[] = [];
    const recorder: LineWriter = {
      write(written) {
        lines.push(...written);
        return Promise.resolve({ lines: written.length, writes: 0, bytes: 0 });
      },
    };
    const nagios = this.parts.nagios!;
    const results = await this.execute(nagios.dryRunBridge(recorder), plan, refs, nagios.status);
    return {
      dryRun: true,
      summary,
      targets: results.map((r) => ({
        slave: r.slave,
        status: r.ok ? 'pending' : 'failed',
        error: r.ok ? null : r.error,
      })),
      lines,
      existing: [],
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
        if (isConfirmed(action, status, bridge.targetOf(w.refs.get(t.slave)!))) {
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

/** The request's kind, read before it is checked whole (to say which part of corral is missing). */
function kindOf(body: unknown): string | undefined {
  const kind = (body as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' ? kind : undefined;
}
