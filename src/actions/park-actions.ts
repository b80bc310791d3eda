// The `park` and `unpark` actions: a park is recorded by corral, then muted by a downtime in the
// monitoring system (authored by the operator, commented `parked: REASON`); an unpark cancels
// exactly that park's downtimes and forgets the park. Audited and answered per target like every
// action; park-keeper.ts renews the downtimes while the slaves stay parked.
import type { ActionFacts } from '../domain/action-facts.js';
import { downtimeMatches } from '../domain/downtime-match.js';
import {
  describePark,
  parkComment,
  parkDowntimes,
  RECORDED_ONLY,
  type Park,
} from '../domain/park.js';
import type { ActionView, DryRunView, ExistingMute, TargetStatus } from '../domain/protocol.js';
import type { SlaveView } from '../domain/slave.js';
import type { Answer, Monitor, MonitorAction, SlaveRef } from '../monitoring/monitor.js';
import { cleanText } from '../nagios/commands.js';
import type { ActionRun, ActionRuns } from './action-run.js';
import { describeAction } from './describe.js';
import { existingOf } from './existing.js';
import { ActionRefused, type PlannedAction } from './request.js';

/** How long each park downtime lasts, and how long before its end corral schedules the next. */
export interface ParkSettings {
  downtimeSeconds: number;
  renewBeforeSeconds: number;
}

/** Where parks are kept: in memory (the slaves' views) and in the store (through the writer). */
export interface ParkLedger {
  get(slave: string): Park | undefined;
  all(): Park[];
  /** Records these parks and forgets those slaves' parks; resolves once committed. */
  save(save: Park[], remove?: string[]): Promise<void>;
}

export interface ParkParts {
  ledger: ParkLedger;
  settings: ParkSettings;
}

/** What of the engine the park actions use. */
export interface ParkEngineParts {
  monitor: Monitor | null;
  slave: (name: string) => SlaveRef | undefined;
  views: (names: readonly string[]) => SlaveView[];
  confirmWithinMs: number;
  onTargets?: (kind: string, outcome: TargetStatus, count: number) => void;
}

/** A sent target waiting for the monitoring system to show it done. */
interface Waiting {
  run: ActionRun;
  facts: Map<string, ActionFacts>;
  refs: Map<string, SlaveRef>;
  deadline: NodeJS.Timeout;
}

/** One step of an action: the targets it acts on, with one monitoring action for all of them. */
interface Step {
  action: MonitorAction;
  targets: SlaveRef[];
  /** For the confirmation: the step as its plain kind (`downtime`, `cancel-downtime`). */
  facts: Pick<ActionFacts, 'kind' | 'cancels'>;
}

/** What a park or unpark will do: its steps, the targets it skips and what it finds on them. */
interface Prepared {
  plan: PlannedAction;
  summary: string;
  steps: Step[];
  skips: Map<string, string>;
  /** Targets done without the monitoring system (no link; an unpark with no downtime left). */
  quiet: string[];
  existing: ExistingMute[];
}

export class ParkActions {
  private readonly waiting = new Map<number, Waiting>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly parts: ParkParts,
    private readonly engine: ParkEngineParts,
    private readonly runs: ActionRuns,
  ) {
    this.unsubscribe = engine.monitor?.subscribe({ readBack: () => this.confirm() }) ?? (() => {});
  }

  /** Whether the slave is parked (an unpark may name one no longer known otherwise). */
  isParked(name: string): boolean {
    return this.parts.ledger.get(name) !== undefined;
  }

  async submit(plan: PlannedAction, requestId?: string): Promise<ActionView | DryRunView> {
    const prepared = plan.kind === 'park' ? this.preparePark(plan) : this.prepareUnpark(plan);
    return this.carryOut(prepared, requestId);
  }

  /**
   * Undoes a park (`plan` is the `undo`): an unpark of its targets not in `skips` (those still
   * parked by it), recorded as the undo.
   */
  async undo(
    plan: PlannedAction,
    summary: string,
    skips: ReadonlyMap<string, string>,
    requestId?: string,
  ): Promise<ActionView | DryRunView> {
    const acting = plan.targets.filter((slave) => !skips.has(slave));
    const prepared = this.prepareUnpark({ ...plan, targets: acting });
    for (const [slave, why] of skips) prepared.skips.set(slave, why);
    return this.carryOut({ ...prepared, plan, summary }, requestId);
  }

  private async carryOut(
    prepared: Prepared,
    requestId: string | undefined,
  ): Promise<ActionView | DryRunView> {
    const { plan } = prepared;
    if (plan.dryRun) return this.dryRun(prepared);
    const run = await this.runs.begin(plan, prepared.summary, requestId);
    try {
      await (plan.kind === 'park' ? this.park(run, prepared) : this.unpark(run, prepared));
    } catch (err) {
      // The store refused the park's record: targets not acted on yet never will be.
      for (const t of run.action.targets) {
        if (t.status !== 'pending') continue;
        t.status = 'failed';
        t.error = `cannot record the park (${(err as Error).message})`;
      }
    }
    this.count(run, ['sent', 'confirmed', 'failed', 'skipped']);
    await run.step('sent');
    this.await(run, prepared.steps);
    return run.view();
  }

  close(): void {
    this.unsubscribe();
    for (const w of this.waiting.values()) clearTimeout(w.deadline);
    this.waiting.clear();
  }

  /** A park: one downtime from now for every target not parked already. */
  private preparePark(request: PlannedAction): Prepared {
    const views = this.engine.views(request.targets);
    const unlisted = views.filter((v) => !v.inInventory).map((v) => v.name);
    if (unlisted.length > 0) {
      const more = unlisted.length > 1 ? ` (and ${unlisted.length - 1} more)` : '';
      throw new ActionRefused(
        `targets: "${unlisted[0]}"${more} is not in the inventory: only slaves the inventory lists can be parked; nothing was done`,
        'targets',
      );
    }
    const skips = new Map<string, string>();
    for (const name of request.targets) {
      const park = this.parts.ledger.get(name);
      if (park) skips.set(name, `already ${describePark(park)}: unpark it first`);
    }
    const start = Math.floor(request.at / 1000) * 1000;
    const end = start + this.parts.settings.downtimeSeconds * 1000;
    const comment = cleanText(parkComment(request.params.reason!));
    const plan: PlannedAction = {
      ...request,
      params: {
        ...request.params,
        owner: request.params.owner ?? request.author,
        comment,
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
        fixed: true,
      },
    };
    const acting = this.refs(request.targets.filter((name) => !skips.has(name)));
    const { monitor } = this.engine;
    const summary =
      describeAction(request.author, 'park', plan.params, request.targets.length, request.at) +
      (monitor === null ? RECORDED_ONLY : '');
    const steps: Step[] =
      monitor === null || acting.length === 0
        ? []
        : [
            {
              action: { kind: 'downtime', start, end, fixed: true, author: plan.author, comment },
              targets: acting,
              facts: { kind: 'downtime' },
            },
          ];
    const quiet = monitor === null ? acting.map((t) => t.name) : [];
    return { plan, summary, steps, skips, quiet, existing: views.flatMap(existingOf) };
  }

  /** An unpark: each park's own downtimes cancelled (one step per park's author and comment). */
  private prepareUnpark(plan: PlannedAction): Prepared {
    const { monitor } = this.engine;
    const skips = new Map<string, string>();
    const quiet: string[] = [];
    const existing: ExistingMute[] = [];
    const groups = new Map<string, Step>();
    for (const name of plan.targets) {
      const park = this.parts.ledger.get(name);
      if (!park) {
        skips.set(name, 'not parked');
        continue;
      }
      const ref = this.engine.slave(name) ?? { name };
      const match = parkDowntimes(park);
      const service = monitor?.service(ref) ?? null;
      const found = service?.downtimes.filter((d) => downtimeMatches(match, downtimeFacts(d)));
      existing.push(...(found ?? []).map((d) => downtimeExisting(name, d)));
      // Nothing left to cancel (expired, removed by hand, or no monitoring): only forgotten.
      if (monitor === null || found?.length === 0) {
        quiet.push(name);
        continue;
      }
      const key = JSON.stringify(match);
      const step = groups.get(key) ?? {
        action: { kind: 'cancel-downtime', only: match },
        targets: [],
        facts: { kind: 'cancel-downtime', cancels: match },
      };
      step.targets.push(ref);
      groups.set(key, step);
    }
    const summary = describeAction(
      plan.author,
      'unpark',
      plan.params,
      plan.targets.length,
      plan.at,
    );
    return { plan, summary, steps: [...groups.values()], skips, quiet, existing };
  }

  /** Records the parks, then schedules their downtime; a target whose downtime fails is not parked. */
  private async park(run: ActionRun, prepared: Prepared): Promise<void> {
    const { plan, steps, quiet } = prepared;
    const acting = [...quiet, ...steps.flatMap((s) => s.targets.map((t) => t.name))];
    // Recorded before the downtime is asked for: a collector stopped in between schedules it
    // when it starts again (park-keeper.ts), rather than forget a park it may have muted.
    const parks = acting.map((slave) => newPark(slave, run.action.id, plan));
    await this.parts.ledger.save(parks);
    const answers = await this.answers(run, prepared);
    const end = Date.parse(plan.params.end!);
    const muted = parks.filter((p) => answers.get(p.slave) !== 'failed');
    const failed = parks.filter((p) => answers.get(p.slave) === 'failed').map((p) => p.slave);
    const withDowntime = muted.map((p) =>
      quiet.includes(p.slave) ? p : { ...p, downtimeEnd: end },
    );
    await this.parts.ledger.save(withDowntime, failed);
  }

  /** Cancels the parks' downtimes; a park is forgotten once its cancel is sent (kept if it fails). */
  private async unpark(run: ActionRun, prepared: Prepared): Promise<void> {
    const answers = await this.answers(run, prepared);
    const gone = [...answers].filter(([, status]) => status !== 'failed').map(([slave]) => slave);
    await this.parts.ledger.save([], gone);
  }

  /** Carries out the steps and sets each target's status; returns them by slave. */
  private async answers(run: ActionRun, prepared: Prepared): Promise<Map<string, TargetStatus>> {
    const monitor = this.engine.monitor;
    const byName = new Map(run.action.targets.map((t) => [t.slave, t]));
    for (const [slave, why] of prepared.skips) Object.assign(byName.get(slave)!, skipped(why));
    for (const slave of prepared.quiet) byName.get(slave)!.status = 'confirmed';
    for (const step of prepared.steps) {
      const answers = await monitor!.act(step.action, step.targets).catch((err: Error) =>
        step.targets.map((t): Answer => ({
          slave: t.name,
          outcome: 'unsent',
          reason: err.message,
        })),
      );
      for (const a of answers) {
        const t = byName.get(a.slave)!;
        t.status = a.outcome === 'done' ? 'confirmed' : a.outcome === 'sent' ? 'sent' : 'failed';
        t.error = 'reason' in a ? notDone(prepared.plan.kind, a.reason) : null;
      }
    }
    const statuses = new Map<string, TargetStatus>();
    for (const t of run.action.targets) if (t.status !== 'skipped') statuses.set(t.slave, t.status);
    return statuses;
  }

  private async dryRun(prepared: Prepared): Promise<DryRunView> {
    const { monitor } = this.engine;
    const lines: string[] = [];
    const failed = new Map<string, string>();
    for (const step of prepared.steps) {
      const outcome = await monitor!.preview(step.action, step.targets);
      lines.push(...outcome.lines);
      for (const a of outcome.answers) if ('reason' in a) failed.set(a.slave, a.reason);
    }
    return {
      dryRun: true,
      summary: prepared.summary,
      targets: prepared.plan.targets.map((slave) => {
        const skip = prepared.skips.get(slave);
        if (skip !== undefined) return { slave, status: 'skipped', error: skip };
        const why = failed.get(slave);
        return why === undefined
          ? { slave, status: 'pending', error: null }
          : { slave, status: 'failed', error: notDone(prepared.plan.kind, why) };
      }),
      lines,
      existing: prepared.existing,
    };
  }

  /** Waits for the monitoring system to show the sent targets done, or finishes the action now. */
  private await(run: ActionRun, steps: readonly Step[]): void {
    const monitor = this.engine.monitor;
    const sent = run.action.targets.filter((t) => t.status === 'sent');
    if (sent.length === 0 || monitor === null || !monitor.confirms) {
      void run.finish();
      return;
    }
    const facts = new Map<string, ActionFacts>();
    const refs = new Map<string, SlaveRef>();
    for (const step of steps) {
      for (const ref of step.targets) {
        facts.set(ref.name, { ...run.action, ...step.facts });
        refs.set(ref.name, ref);
      }
    }
    const deadline = setTimeout(() => this.expire(run.action.id), this.engine.confirmWithinMs);
    deadline.unref();
    this.waiting.set(run.action.id, { run, facts, refs, deadline });
    this.confirm();
  }

  private confirm(): void {
    const monitor = this.engine.monitor!;
    for (const w of this.waiting.values()) {
      let confirmed = 0;
      for (const t of w.run.action.targets) {
        if (t.status !== 'sent') continue;
        if (!monitor.confirmed(w.facts.get(t.slave)!, w.refs.get(t.slave)!)) continue;
        t.status = 'confirmed';
        confirmed++;
      }
      if (confirmed === 0) continue;
      this.engine.onTargets?.(w.run.action.kind, 'confirmed', confirmed);
      if (w.run.action.targets.some((t) => t.status === 'sent')) void w.run.step('progress');
      else this.finish(w);
    }
  }

  private expire(id: number): void {
    const w = this.waiting.get(id);
    if (!w) return;
    const within = Math.round(this.engine.confirmWithinMs / 1000);
    for (const t of w.run.action.targets) {
      if (t.status !== 'sent') continue;
      t.status = 'unconfirmed';
      t.error = `not confirmed by ${this.engine.monitor!.label} within ${within}s`;
    }
    this.count(w.run, ['unconfirmed']);
    this.finish(w);
  }

  private finish(w: Waiting): void {
    clearTimeout(w.deadline);
    this.waiting.delete(w.run.action.id);
    void w.run.finish();
  }

  private refs(names: readonly string[]): SlaveRef[] {
    return names.map((name) => this.engine.slave(name) ?? { name });
  }

  private count(run: ActionRun, statuses: readonly TargetStatus[]): void {
    for (const status of statuses) {
      const n = run.action.targets.filter((t) => t.status === status).length;
      if (n > 0) this.engine.onTargets?.(run.action.kind, status, n);
    }
  }
}

function newPark(slave: string, actionId: number, plan: PlannedAction): Park {
  const p = plan.params;
  return {
    slave,
    actionId,
    by: plan.author,
    owner: p.owner ?? plan.author,
    reason: p.reason!,
    ticket: p.ticket ?? null,
    since: plan.at,
    review: p.review === undefined ? null : Date.parse(p.review),
    comment: p.comment!,
    downtimeEnd: null,
  };
}

function skipped(why: string): { status: TargetStatus; error: string } {
  return { status: 'skipped', error: why };
}

/** A target the monitoring system did not take: what that leaves it as. */
function notDone(kind: PlannedAction['kind'], reason: string): string {
  return kind === 'park'
    ? `not parked: its downtime failed (${reason})`
    : `still parked: its downtime could not be cancelled (${reason})`;
}

type ServiceDowntime = NonNullable<ReturnType<Monitor['service']>>['downtimes'][number];

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
