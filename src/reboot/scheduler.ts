// Bulk reboots: every slave's chain driven to its end, at most `concurrency` commands running at
// once over all bulks, in the operator's order (a slave escalating to its next method goes before
// slaves not yet started), each attempt and each change reported for the audit log, a bulk
// cancellable as a whole. The collector feeds it each new `start` (noteStart).
import type { RebootStatus } from '../domain/state.js';
import { newChain, statusOf, step, type Chain, type ChainEvent, type ChainState } from './chain.js';
import { planReboot, type PlannedStep, type RebootTarget, type SlavePlan } from './plan.js';
import { runCommand, type CommandRunner, type RunOutcome, type RunResult } from './runner.js';

export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/** One command run: what the audit log keeps. */
export interface RebootAttempt {
  type: 'attempt';
  bulkId: number;
  slave: string;
  method: string;
  argv: string[];
  startedAt: number;
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
  outcome: RunOutcome;
  head: string[];
  tail: string[];
  omittedLines: number;
  error: string | null;
}

/** A slave's chain moved (or a slave was left out): for progress and the audit log. */
export interface RebootTransition {
  type: 'transition';
  bulkId: number;
  slave: string;
  at: number;
  /** Where the chain is, or how it ended. */
  phase: Exclude<ChainState['phase'], 'done'> | SlaveOutcome;
  status: RebootStatus | null;
  reason: string;
}

export type RebootEvent = RebootAttempt | RebootTransition;

export type SlaveOutcome = 'back' | 'needs-hands' | 'cancelled' | 'skipped' | 'failed';

export interface BulkResult {
  bulkId: number;
  slaves: Array<{ slave: string; outcome: SlaveOutcome; reason: string }>;
  /** Every slave that was to be rebooted came back, and none failed before running. */
  allBack: boolean;
}

export interface Bulk {
  id: number;
  plans: SlavePlan[];
  /** Resolves when every chain ended and every command it ran has exited. */
  done: Promise<BulkResult>;
  cancel(): void;
}

export interface SchedulerOptions {
  concurrency: number;
  onEvent: (event: RebootEvent) => void;
  /** The slave's reboot status changed: the collector keeps it in the slave's record. */
  onStatus: (slave: string, status: RebootStatus | null) => void;
  run?: CommandRunner;
  clock?: Clock;
  /** Output lines kept from the start and from the end of each command. */
  keepLines?: number;
  /**
   * Records where a chain stands after each change (the store, so another collector or the next
   * start can take it up). A command is started only once its `running` record is committed.
   */
  persist?: (bulkId: number, chain: Chain) => Promise<unknown>;
}

interface Entry {
  chain: Chain;
  steps: PlannedStep[];
  bulk: BulkState;
  /** Its place in the bulk's plans (the operator's order). */
  index: number;
  abort: AbortController | null;
  cancelWait: (() => void) | null;
  lastReason: string;
  /** The chain's last record: committed before its command may run. */
  recorded: Promise<unknown>;
  /** Stopped without an ending (the collector stops or lost ownership): nothing more happens. */
  stopped: boolean;
}

interface BulkState {
  id: number;
  results: Array<BulkResult['slaves'][number] | undefined>;
  open: number;
  finish: () => void;
  /** Stopped (not ended): it never finishes here; its chains are taken up from their records. */
  stopped: boolean;
}

export class RebootScheduler {
  private readonly chains = new Map<string, Entry>();
  /** Slaves escalating to their next method: served before `fresh`. */
  private readonly escalated: Entry[] = [];
  private readonly fresh: Entry[] = [];
  private active = 0;
  private pumping = false;
  private lastBulkId = 0;
  private readonly run: CommandRunner;
  private readonly clock: Clock;
  /** Commands started and not yet exited. */
  private readonly commands = new Set<Promise<void>>();

  constructor(private readonly options: SchedulerOptions) {
    this.run = options.run ?? runCommand;
    this.clock = options.clock ?? systemClock;
  }

  /** Commands running now. */
  get running(): number {
    return this.active;
  }

  isRebooting(slave: string): boolean {
    return this.chains.has(slave);
  }

  /** What a bulk would do, without doing it: the dry run. */
  plan(targets: readonly RebootTarget[], options: { includeMuted: boolean }): SlavePlan[] {
    return planReboot(
      targets.map((t) =>
        this.chains.has(t.values.slave) ? { ...t, rebooting: t.rebooting ?? 'rebooting' } : t,
      ),
      options,
    );
  }

  /** Starts a bulk reboot; every chain's status is set before this returns. */
  submit(targets: readonly RebootTarget[], options: { includeMuted: boolean; id?: number }): Bulk {
    const id = options.id ?? ++this.lastBulkId;
    this.lastBulkId = Math.max(this.lastBulkId, id);
    const plans = this.plan(targets, options);
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const bulk: BulkState = { id, results: [], open: 0, finish, stopped: false };
    const entries: Entry[] = [];
    const now = this.clock.now();
    for (const [index, p] of plans.entries()) {
      if (p.action !== 'reboot') {
        const outcome = p.action === 'skip' ? 'skipped' : 'failed';
        bulk.results[index] = { slave: p.slave, outcome, reason: p.reason };
        this.emitTransition(bulk.id, p.slave, outcome, null, p.reason);
        continue;
      }
      const methods = targets[index]!.methods;
      const entry: Entry = {
        chain: newChain(p.slave, methods, now),
        steps: p.steps,
        bulk,
        index,
        abort: null,
        cancelWait: null,
        lastReason: 'queued',
        recorded: Promise.resolve(),
        stopped: false,
      };
      this.chains.set(p.slave, entry);
      entries.push(entry);
      bulk.open++;
      this.record(entry);
      this.options.onStatus(p.slave, statusOf(entry.chain));
      this.emitTransition(bulk.id, p.slave, 'queued', statusOf(entry.chain), 'queued');
    }
    this.fresh.push(...entries);
    if (bulk.open === 0) finish();
    const done = finished.then(() => summarize(bulk));
    this.pump();
    return {
      id,
      plans,
      done,
      cancel: () => {
        for (const e of entries) this.apply(e, { type: 'cancelled' });
      },
    };
  }

  /**
   * Takes up chains recorded by a collector that stopped (or lost ownership), as one bulk: each
   * goes on from its recorded step (see resume.ts: a command that may have run is not run again).
   */
  resume(chains: ReadonlyArray<{ chain: Chain; steps: PlannedStep[]; reason: string }>): Bulk {
    const id = ++this.lastBulkId;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const bulk: BulkState = { id, results: [], open: 0, finish, stopped: false };
    const entries = chains.map(({ chain, steps }, index): Entry => ({
      chain,
      steps,
      bulk,
      index,
      abort: null,
      cancelWait: null,
      lastReason: 'resumed',
      recorded: Promise.resolve(),
      stopped: false,
    }));
    const plans: SlavePlan[] = chains.map(({ chain, steps }) => ({
      slave: chain.slave,
      action: 'reboot',
      steps,
    }));
    bulk.open = entries.length;
    for (const [i, entry] of entries.entries()) {
      const s = entry.chain.state;
      this.chains.set(entry.chain.slave, entry);
      entry.lastReason = chains[i]!.reason;
      const status = statusOf(entry.chain);
      this.options.onStatus(entry.chain.slave, status);
      const phase = s.phase === 'done' ? s.outcome : s.phase;
      this.emitTransition(id, entry.chain.slave, phase, status, entry.lastReason);
      this.record(entry);
      if (s.phase === 'queued') this.escalated.push(entry);
      else if (s.phase === 'waiting') this.waitForStart(entry, s.until);
      else if (s.phase === 'done') this.close(entry, s.outcome, entry.lastReason);
    }
    if (bulk.open === 0) finish();
    const done = finished.then(() => summarize(bulk));
    this.pump();
    return {
      id,
      plans,
      done,
      cancel: () => {
        for (const e of entries) this.apply(e, { type: 'cancelled' });
      },
    };
  }

  /**
   * Stops every chain without ending it (the collector stops, or another takes over): no more
   * steps, running commands are killed, nothing is recorded as ended; resolves once they exited.
   */
  async stopAll(): Promise<void> {
    for (const entry of this.chains.values()) {
      entry.stopped = true;
      entry.bulk.stopped = true;
      entry.cancelWait?.();
      entry.cancelWait = null;
      entry.abort?.abort();
    }
    this.chains.clear();
    this.escalated.length = 0;
    this.fresh.length = 0;
    await Promise.all([...this.commands]);
  }

  /** A `start` heartbeat arrived for `slave` (at its time, epoch ms). */
  noteStart(slave: string, at: number): void {
    const entry = this.chains.get(slave);
    if (entry) this.apply(entry, { type: 'started', at });
  }

  /**
   * Cancels these slaves' reboots for operator `by`, whichever bulk they are in; returns the
   * slaves it cancelled.
   */
  cancelSlaves(slaves: Iterable<string>, by: string): string[] {
    const cancelled: string[] = [];
    for (const slave of slaves) {
      const entry = this.chains.get(slave);
      if (!entry) continue;
      this.apply(entry, { type: 'cancelled', by });
      cancelled.push(slave);
    }
    return cancelled;
  }

  /** Cancels everything (the collector is stopping). */
  cancelAll(): void {
    for (const entry of [...this.chains.values()]) this.apply(entry, { type: 'cancelled' });
  }

  private pump(): void {
    if (this.pumping) return; // apply() pumps too: one loop at a time
    this.pumping = true;
    try {
      while (this.active < this.options.concurrency) {
        const entry = this.escalated.shift() ?? this.fresh.shift();
        if (entry === undefined) return;
        if (entry.chain.state.phase !== 'queued') continue; // came back or cancelled meanwhile
        this.apply(entry, { type: 'slot' });
      }
    } finally {
      this.pumping = false;
    }
  }

  private apply(entry: Entry, event: ChainEvent): void {
    if (entry.stopped) return;
    const before = entry.chain.state;
    const next = step(entry.chain, event, this.clock.now());
    if (!next.changed) return;
    entry.chain = { ...entry.chain, state: next.state, tried: next.tried };
    entry.lastReason = next.reason;
    this.record(entry);
    const status = statusOf(entry.chain);
    this.options.onStatus(entry.chain.slave, status);
    const phase = next.state.phase === 'done' ? next.state.outcome : next.state.phase;
    this.emitTransition(entry.bulk.id, entry.chain.slave, phase, status, next.reason);
    entry.cancelWait?.();
    entry.cancelWait = null;
    switch (next.state.phase) {
      case 'queued':
        this.escalated.push(entry);
        break;
      case 'running':
        void this.runStep(entry, next.state.index);
        break;
      case 'waiting':
        this.waitForStart(entry, next.state.until);
        break;
      case 'done':
        // A command still running is stopped; the bulk ends once it has exited.
        if (before.phase === 'running') entry.abort?.abort();
        this.close(entry, next.state.outcome, next.reason);
        break;
    }
    this.pump();
  }

  private waitForStart(entry: Entry, until: number): void {
    entry.cancelWait = this.clock.setTimeout(
      () => this.apply(entry, { type: 'wait-expired' }),
      Math.max(0, until - this.clock.now()),
    );
  }

  /** Why the chain's last record (its `running`) could not be committed, or null once it is. */
  private async recordError(entry: Entry): Promise<string | null> {
    try {
      await entry.recorded;
      return null;
    } catch (err) {
      return `cannot record that it runs: ${(err as Error).message}`;
    }
  }

  private record(entry: Entry): void {
    const persist = this.options.persist;
    if (!persist) return;
    entry.recorded = persist(entry.bulk.id, entry.chain);
    entry.recorded.catch(() => {}); // awaited (and said) before a command runs
  }

  private runStep(entry: Entry, index: number): Promise<void> {
    const running = this.runRecorded(entry, index);
    this.commands.add(running);
    void running.finally(() => this.commands.delete(running));
    return running;
  }

  private async runRecorded(entry: Entry, index: number): Promise<void> {
    const planned = entry.steps[index]!;
    const method = entry.chain.methods[index]!;
    if (planned.argv.length === 0) {
      this.apply(entry, { type: 'exited', code: 0 });
      return;
    }
    this.active++;
    if (this.options.persist) {
      // Never a command whose run is not on record: another collector would run it again.
      const error = await this.recordError(entry);
      if (error !== null || entry.stopped || entry.chain.state.phase !== 'running') {
        this.active--; // not recorded; or stopped, cancelled or back meanwhile
        if (error !== null) this.apply(entry, { type: 'exited', code: null, error });
        this.pump();
        return;
      }
    }
    entry.bulk.open++; // the bulk waits for this command to exit, even once its chain ended
    const abort = new AbortController();
    entry.abort = abort;
    const startedAt = this.clock.now();
    let result: RunResult;
    try {
      result = await this.run(planned.argv, {
        timeoutMs: method.timeoutMs,
        signal: abort.signal,
        keepLines: this.options.keepLines ?? 5,
      });
    } catch (err) {
      result = notStarted(err);
    }
    this.active--;
    entry.abort = null;
    this.options.onEvent({
      type: 'attempt',
      bulkId: entry.bulk.id,
      slave: entry.chain.slave,
      method: planned.method,
      argv: planned.argv,
      startedAt,
      ...result,
    });
    this.apply(entry, eventOf(result));
    this.release(entry.bulk);
    this.pump();
  }

  private close(entry: Entry, outcome: SlaveOutcome, reason: string): void {
    if (this.chains.get(entry.chain.slave) === entry) this.chains.delete(entry.chain.slave);
    entry.bulk.results[entry.index] = { slave: entry.chain.slave, outcome, reason };
    this.release(entry.bulk);
  }

  private release(bulk: BulkState): void {
    bulk.open--;
    if (bulk.open === 0 && !bulk.stopped) bulk.finish();
  }

  private emitTransition(
    bulkId: number,
    slave: string,
    phase: RebootTransition['phase'],
    status: RebootStatus | null,
    reason: string,
  ): void {
    this.options.onEvent({
      type: 'transition',
      bulkId,
      slave,
      at: this.clock.now(),
      phase,
      status,
      reason,
    });
  }
}

function eventOf(result: RunResult): ChainEvent {
  switch (result.outcome) {
    case 'timed-out':
      return { type: 'timed-out' };
    case 'cancelled':
      return { type: 'cancelled' }; // only when the chain already ended: then ignored
    default:
      return { type: 'exited', code: result.exitCode, signal: result.signal, error: result.error };
  }
}

function notStarted(err: unknown): RunResult {
  return {
    outcome: 'not-started',
    exitCode: null,
    signal: null,
    durationMs: 0,
    head: [],
    tail: [],
    omittedLines: 0,
    error: (err as Error).message,
  };
}

/** Results in the operator's order. */
function summarize(bulk: BulkState): BulkResult {
  const slaves = bulk.results.map((r) => r!);
  const considered = slaves.filter((s) => s.outcome !== 'skipped');
  return { bulkId: bulk.id, slaves, allBack: considered.every((s) => s.outcome === 'back') };
}
