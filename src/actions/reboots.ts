// Reboots as audited actions: a `reboot` request becomes a bulk for the reboot scheduler, each
// slave's progress is its target's status, each command run is an attempt in the audit log, and
// the action finishes when every chain has ended (the slave came back, needs hands, or was
// cancelled). `cancel-reboot` stops chains, whichever bulk started them.
import type {
  ActionTargetView,
  ActionView,
  DryRunView,
  RebootAttemptView,
  TargetStatus,
} from '../domain/protocol.js';
import { poolOf, type SlaveReboot, type SlaveRecord } from '../domain/slave-record.js';
import type { RebootStatus } from '../domain/state.js';
import { methodsFor, type RebootSettings } from '../reboot/methods.js';
import { valuesFor } from '../reboot/placeholders.js';
import { describePlan, stepsOf, type RebootTarget, type SlavePlan } from '../reboot/plan.js';
import { PlaceholderError } from '../reboot/placeholders.js';
import { recordOf, resumeChain, type RecordedChain } from '../reboot/resume.js';
import type { Chain } from '../reboot/chain.js';
import type { CommandRunner } from '../reboot/runner.js';
import {
  RebootScheduler,
  type BulkResult,
  type RebootAttempt,
  type RebootEvent,
  type RebootTransition,
} from '../reboot/scheduler.js';
import type { StoredActionLike } from './action-record.js';
import type { ActionRun, ActionRuns } from './action-run.js';
import { describeMutes, describeMuting } from './existing.js';
import type { PlannedAction } from './request.js';

/** What reboots need of the collector. */
export interface RebootParts {
  settings: RebootSettings;
  /** What the collector knows of the slave; undefined if unknown. */
  slave: (name: string) => SlaveRecord | undefined;
  /** The slave's reboot status changed: it is the slave's state (`rebooting`, `needs-hands`). */
  setStatus: (slave: string, status: SlaveReboot | null) => void;
  /** Records since when the slave needs hands (null: no longer), kept across restarts. */
  saveNeedsHands: (slave: string, since: number | null) => Promise<unknown>;
  saveAttempt: (actionId: number, attempt: RebootAttemptView) => Promise<unknown>;
  /** Records where a chain stands (committed before its command runs). */
  saveChain: (chain: RecordedChain) => Promise<unknown>;
  /** Forgets the chains of a finished action. */
  dropChains: (actionId: number) => Promise<unknown>;
  /** A stored action (to take up its chains), undefined when there is none. */
  storedAction: (id: number) => Promise<StoredActionLike | undefined>;
  /** For tests: how commands run (default: the real runner). */
  run?: CommandRunner;
}

/** A reboot's dry run; the engine adds what the targets already have. */
export type RebootDryRun = Omit<DryRunView, 'existing'>;

/** Progress is streamed and recorded at most this often per action (a bulk moves in bursts). */
const PROGRESS_EVERY_MS = 250;

/** A reboot action and the scheduler's bulk carrying it out. */
interface RebootBulk {
  run: ActionRun;
  byName: Map<string, ActionTargetView>;
  flush: NodeJS.Timeout | null;
  finished: Promise<void>;
}

export class RebootActions {
  private readonly scheduler: RebootScheduler;
  /** By the scheduler's bulk id, which is not the action's id. */
  private readonly byBulk = new Map<number, RebootBulk>();
  /** The bulk being submitted: its first events come before the scheduler tells its id. */
  private submitting: RebootBulk | null = null;
  /** The bulk whose chain a slave is in (or ended needing hands in): who rebooted it. */
  private readonly bySlave = new Map<string, RebootBulk>();

  constructor(
    private readonly parts: RebootParts,
    private readonly runs: ActionRuns,
    private readonly warn: (details: Record<string, unknown>, msg: string) => void,
  ) {
    this.scheduler = new RebootScheduler({
      concurrency: parts.settings.concurrency,
      onStatus: (slave, status) => this.setStatus(slave, status),
      onEvent: (event) => this.onEvent(event),
      run: parts.run,
      persist: (bulkId, chain) => this.persist(bulkId, chain),
    });
  }

  /**
   * Takes up the chains recorded by a collector that stopped or lost ownership, each from its
   * recorded step, under its own action; a chain that cannot go on ends its target as failed, saying why.
   */
  async resume(records: readonly RecordedChain[]): Promise<void> {
    const byAction = new Map<number, RecordedChain[]>();
    for (const r of records) byAction.set(r.actionId, [...(byAction.get(r.actionId) ?? []), r]);
    for (const [actionId, rows] of byAction) {
      if ([...this.byBulk.values()].some((b) => b.run.action.id === actionId)) continue;
      const stored = await this.parts.storedAction(actionId);
      if (!stored || stored.finishedAt !== null) {
        await this.parts.dropChains(actionId);
        continue;
      }
      this.resumeAction(stored, rows);
    }
  }

  private resumeAction(stored: StoredActionLike, rows: readonly RecordedChain[]): void {
    const run = this.runs.adopt(stored);
    let finish!: () => void;
    const r: RebootBulk = {
      run,
      byName: new Map(run.action.targets.map((t) => [t.slave, t])),
      flush: null,
      finished: new Promise((resolve) => (finish = resolve)),
    };
    const now = Date.now();
    const chains: Array<{ chain: Chain; steps: ReturnType<typeof stepsOf>; reason: string }> = [];
    const recorded = new Set(rows.map((row) => row.slave));
    for (const row of rows) {
      const target = r.byName.get(row.slave);
      if (!target) continue;
      if (row.phase === 'back' || row.phase === 'needs-hands' || row.phase === 'cancelled') {
        target.status = row.phase;
        continue;
      }
      const taken = this.chainFrom(row, now);
      if ('failed' in taken) {
        target.status = 'failed';
        target.error = taken.failed;
      } else chains.push(taken);
    }
    // A target still under way with no chain recorded: the collector stopped before it was.
    for (const t of run.action.targets) {
      if (!recorded.has(t.slave) && UNDER_WAY.has(t.status)) {
        t.status = 'failed';
        t.error = 'the collector stopped before its reboot was recorded; reboot it again';
      }
    }
    this.submitting = r;
    let bulk;
    try {
      bulk = this.scheduler.resume(chains);
    } finally {
      this.submitting = null;
    }
    this.byBulk.set(bulk.id, r);
    void bulk.done.then((result) => this.finish(bulk.id, r, result)).finally(finish);
    // Starts that came while no collector ran the chain are the proof too.
    for (const { chain } of chains) {
      const lastStart = this.parts.slave(chain.slave)?.lastStart;
      if (lastStart != null) this.scheduler.noteStart(chain.slave, lastStart);
    }
    this.progress(r);
  }

  /** A recorded chain with today's methods and values, or why it cannot go on. */
  private chainFrom(
    row: RecordedChain,
    now: number,
  ): { chain: Chain; steps: ReturnType<typeof stepsOf>; reason: string } | { failed: string } {
    if (!this.parts.slave(row.slave)) return { failed: 'no longer known to the collector' };
    const target = this.targetOf(row.slave);
    const resumed = resumeChain(row, target.methods, now);
    if (!resumed.resumed) return { failed: resumed.reason };
    try {
      return {
        chain: resumed.chain,
        steps: stepsOf(target.values, target.methods),
        reason: resumed.reason,
      };
    } catch (err) {
      if (err instanceof PlaceholderError) return { failed: err.message };
      throw err;
    }
  }

  private persist(bulkId: number, chain: Chain): Promise<unknown> {
    const r = this.byBulk.get(bulkId) ?? this.submitting;
    if (!r) return Promise.resolve();
    return this.parts.saveChain(recordOf(r.run.action.id, chain));
  }

  /** A `start` heartbeat was committed: the proof a rebooting slave came back. */
  noteStart(slave: string, at: number): void {
    this.scheduler.noteStart(slave, at);
  }

  async submit(
    plan: PlannedAction,
    summary: string,
    requestId?: string,
  ): Promise<ActionView | RebootDryRun> {
    if (plan.kind === 'cancel-reboot') return this.cancel(plan, summary, requestId);
    const targets = plan.targets.map((name) => this.targetOf(name));
    const options = { includeMuted: plan.params.includeMuted ?? false };
    if (plan.dryRun) {
      const plans = this.scheduler.plan(targets, options);
      return {
        dryRun: true,
        summary,
        targets: plans.map(planTarget),
        lines: describePlan(plans),
      };
    }
    const run = await this.runs.begin(plan, summary, requestId);
    let finish!: () => void;
    const r: RebootBulk = {
      run,
      byName: new Map(run.action.targets.map((t) => [t.slave, t])),
      flush: null,
      finished: new Promise((resolve) => (finish = resolve)),
    };
    // Every chain's first step (queued, skipped, failed) arrives through onEvent before this returns.
    this.submitting = r;
    let bulk;
    try {
      bulk = this.scheduler.submit(targets, options);
    } finally {
      this.submitting = null;
    }
    this.byBulk.set(bulk.id, r);
    void bulk.done.then((result) => this.finish(bulk.id, r, result)).finally(finish);
    this.progress(r);
    return run.view();
  }

  /**
   * Stops every chain without ending it (the collector stops, or it is no longer the owner):
   * running commands are killed, each action's progress is saved, and the chains stay recorded
   * for the next start or the next owner to take up.
   */
  async close(): Promise<void> {
    await this.scheduler.stopAll();
    const bulks = [...this.byBulk.values()];
    this.byBulk.clear();
    this.bySlave.clear();
    for (const r of bulks) {
      if (r.flush !== null) clearTimeout(r.flush);
      r.flush = null;
    }
    await Promise.all(bulks.map((r) => r.run.step('progress')));
    for (const r of bulks) r.run.letGo();
  }

  /**
   * Stops the chains of these slaves; a slave that needs hands is taken over by the operator
   * (its state goes back to what its heartbeats say). Others are skipped, saying why.
   */
  private async cancel(
    plan: PlannedAction,
    summary: string,
    requestId: string | undefined,
  ): Promise<ActionView | RebootDryRun> {
    const wouldCancel = (name: string) => {
      const status = this.parts.slave(name)?.reboot;
      return this.scheduler.isRebooting(name) || status?.phase === 'needs-hands';
    };
    if (plan.dryRun) {
      const targets = plan.targets.map((slave) =>
        wouldCancel(slave)
          ? { slave, status: 'pending' as const, error: null }
          : { slave, status: 'skipped' as const, error: 'not rebooting' },
      );
      return {
        dryRun: true,
        summary,
        targets,
        lines: targets.map((t) =>
          t.status === 'pending'
            ? `${t.slave}: its reboot stops (a running command is killed)`
            : `${t.slave}: skipped: not rebooting`,
        ),
      };
    }
    // Like every action, it starts before it ends (consoles and the audit log see both).
    const run = await this.runs.begin(plan, summary, requestId);
    // Each reboot stopped says who stopped it (its own action, and its targets' reasons).
    for (const slave of plan.targets) {
      const stopped = this.bySlave.get(slave)?.run.action;
      if (stopped && this.scheduler.isRebooting(slave)) stopped.cancelledBy ??= plan.author;
    }
    const inChain = new Set(this.scheduler.cancelSlaves(plan.targets, plan.author));
    for (const t of run.action.targets) {
      if (inChain.has(t.slave)) {
        t.status = 'cancelled';
      } else if (this.parts.slave(t.slave)?.reboot?.phase === 'needs-hands') {
        this.setStatus(t.slave, null);
        t.status = 'cancelled';
      } else {
        t.status = 'skipped';
        t.error = 'not rebooting';
      }
    }
    await run.finish();
    return run.view();
  }

  private targetOf(name: string): RebootTarget {
    const record = this.parts.slave(name)!;
    const pool = poolOf(record);
    const master = record.master ?? record.inventory?.master ?? null;
    return {
      values: valuesFor(name, { pool, master, attributes: record.inventory?.attributes ?? {} }),
      methods: methodsFor(this.parts.settings, pool),
      // Muted in Nagios (downtime or acknowledgement): rebooted only when the operator says so.
      muted: mutedWords(record),
      // A slave shown rebooting by a chain this collector no longer runs is not rebooted twice.
      rebooting:
        record.reboot?.phase === 'rebooting'
          ? `being rebooted by ${record.reboot.by} (action ${record.reboot.actionId})`
          : null,
    };
  }

  /** The slave's state follows its chain; only "needs hands" is saved: a chain does not outlive the process. */
  private setStatus(slave: string, status: RebootStatus | null): void {
    const bulk = status === null ? undefined : (this.submitting ?? this.bySlave.get(slave));
    if (bulk) this.bySlave.set(slave, bulk);
    else this.bySlave.delete(slave);
    const action = bulk?.run.action;
    this.parts.setStatus(
      slave,
      status && action ? { ...status, by: action.author, actionId: action.id } : null,
    );
    if (status?.phase === 'rebooting') return;
    this.parts.saveNeedsHands(slave, status?.since ?? null).catch((err: Error) => {
      this.warn({ slave, reason: err.message }, 'cannot record that the slave needs hands');
    });
  }

  private onEvent(event: RebootEvent): void {
    const r = this.byBulk.get(event.bulkId) ?? this.submitting;
    if (!r) return;
    if (event.type === 'attempt') {
      const action = r.run.action.id;
      this.parts.saveAttempt(action, attemptView(event)).catch((err: Error) => {
        this.warn(
          { action, slave: event.slave, reason: err.message },
          'cannot record a reboot attempt',
        );
      });
      return;
    }
    const target = r.byName.get(event.slave);
    if (!target) return;
    target.status = statusOfTransition(event);
    target.error = UNDER_WAY_OR_BACK.has(target.status) ? null : event.reason;
    this.progress(r);
  }

  /** Streams and records progress, at most every PROGRESS_EVERY_MS. */
  private progress(r: RebootBulk): void {
    if (r.flush !== null || r.run.finished) return;
    r.flush = setTimeout(() => {
      r.flush = null;
      void r.run.step('progress');
    }, PROGRESS_EVERY_MS);
    r.flush.unref();
  }

  private async finish(bulkId: number, r: RebootBulk, result: BulkResult): Promise<void> {
    if (r.flush !== null) clearTimeout(r.flush);
    r.flush = null;
    for (const s of result.slaves) {
      const target = r.byName.get(s.slave);
      if (!target) continue;
      target.status = s.outcome;
      target.error = s.outcome === 'back' ? null : s.reason;
    }
    await r.run.finish();
    this.byBulk.delete(bulkId);
    await this.parts.dropChains(r.run.action.id).catch((err: Error) => {
      this.warn(
        { action: r.run.action.id, reason: err.message },
        'cannot forget a finished reboot',
      );
    });
  }
}

export const NO_REBOOT_METHODS =
  'no reboot methods are configured: add reboot.methods to corral.yaml (see corral.sample.yaml)';

/** A target whose reboot had not ended when its action was last saved. */
const UNDER_WAY: ReadonlySet<TargetStatus> = new Set(['pending', 'rebooting']);

/** Statuses that need no reason; every other one says why. */
const UNDER_WAY_OR_BACK: ReadonlySet<TargetStatus> = new Set(['pending', 'rebooting', 'back']);

function statusOfTransition(e: RebootTransition): TargetStatus {
  if (e.status?.phase === 'needs-hands') return 'needs-hands';
  switch (e.phase) {
    case 'queued':
      return 'pending';
    case 'running':
    case 'waiting':
      return 'rebooting';
    default:
      return e.phase;
  }
}

/** Whose downtimes and acknowledgement mute the slave, in words; null when nothing does. */
function mutedWords(record: SlaveRecord): string | null {
  const muted = record.muted ?? null;
  return describeMutes(record.mutes ?? []) ?? (muted === null ? null : describeMuting(muted));
}

function planTarget(p: SlavePlan): DryRunView['targets'][number] {
  if (p.action === 'reboot') return { slave: p.slave, status: 'pending', error: null };
  return { slave: p.slave, status: p.action === 'skip' ? 'skipped' : 'failed', error: p.reason };
}

function attemptView(a: RebootAttempt): RebootAttemptView {
  return {
    slave: a.slave,
    method: a.method,
    argv: a.argv,
    startedAt: new Date(a.startedAt).toISOString(),
    durationMs: a.durationMs,
    exitCode: a.exitCode,
    signal: a.signal,
    outcome: a.outcome,
    head: a.head,
    tail: a.tail,
    omittedLines: a.omittedLines,
    error: a.error,
  };
}
