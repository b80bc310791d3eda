// A beat: replay what is spooled, in order with its original times, then send the new heartbeat, all within one time budget.
import path from 'node:path';
import type { HeartbeatInput } from '../domain/heartbeat.js';
import { postHeartbeats, type CollectorTarget } from './send.js';
import { SPOOL_LOCK, type Spool, type SpoolEntry } from './spool.js';

/** Well under the collector's default batch (5000) and body (1 MiB) limits, even with long messages. */
const CHUNK = 500;
/** The collector's default bound on a replayed `at`; older ones are given up before sending. */
export const DEFAULT_REPLAY_WINDOW_MS = 7 * 86_400_000;

export interface BeatRequest {
  target: CollectorTarget;
  spool: Spool;
  /** The new heartbeat, sent without `at` so the collector's clock stamps it; null to only flush. */
  heartbeat: HeartbeatInput | null;
  /** The whole beat's budget from the call: reading the spool, sending, and writing the spool. */
  timeoutMs: number;
  replayWindowMs?: number;
  /** The wall clock, for the spooled `at` and the replay window (the budget uses a monotonic one). */
  now?: () => number;
  /** Kept up to date as the beat goes, for a caller that has to give up on it. */
  progress?: BeatProgress;
}

export type FreshStatus = 'delivered' | 'spooled' | 'refused' | 'lost';

/** Where a beat is: `heartbeat` is 'spooled' while it is still only to be spooled. */
export interface BeatProgress {
  stage: 'reading' | 'sending' | 'spooling' | 'done';
  heartbeat: FreshStatus | null;
}

export interface BeatResult {
  /** What became of the new heartbeat; null when there was none (a flush). */
  heartbeat: FreshStatus | null;
  replayed: number;
  /** Spooled heartbeats still waiting after this beat. */
  waiting: number;
  /** Spooled heartbeats given up on, with the reason (too old, refused by the collector). */
  givenUp: Array<{ at: string; error: string }>;
  /** Oldest spooled heartbeats dropped because the spool was full. */
  droppedForSpace: number;
  /** Why the collector could not take them now (unreachable, timeout, 5xx). */
  retryReason: string | null;
  /** A 4xx that sending again will not fix: a configuration error. */
  refusal: { status: number; error: string } | null;
  spoolError: string | null;
  /** The spool lock could not be had in time: sent lines stay (to be sent again), a new one was appended without it. */
  lockHeld: boolean;
  spoolFile: string;
}

/** At most this much of the budget is kept back from the collector for writing the spool. */
export const SPOOL_RESERVE_MS = 500;
/** ...and at most this share of it, for short budgets. */
const SPOOL_SHARE = 0.25;
/** Of the reserve, this much (at most) is left after the lock wait for appending without the lock. */
const LOCKLESS_APPEND_MS = 100;

/** Holders keep the lock for milliseconds: a longer wait is for a lock left by a killed beat. */
const MAX_LOCK_WAIT_MS = 1000;

type Item = { spooled: SpoolEntry } | { fresh: HeartbeatInput };

/**
 * One beat within `timeoutMs` in all, measured on a monotonic clock: the collector gets the
 * budget less the spool's reserve, and the spool lock is waited for only as long as the budget
 * leaves. It returns by the deadline unless the file system itself stalls; the caller's backstop
 * (`progress`) covers that.
 */
export async function beat(req: BeatRequest): Promise<BeatResult> {
  const now = req.now ?? Date.now;
  const budget = Math.max(0, req.timeoutMs);
  const deadline = performance.now() + budget;
  const reserve = Math.min(SPOOL_RESERVE_MS, budget * SPOOL_SHARE);
  const signal = AbortSignal.timeout(Math.floor(budget - reserve));
  const sendBy = performance.now() + Math.floor(budget - reserve);
  const stampedAt = new Date(now()).toISOString();
  const progress = req.progress ?? { stage: 'reading', heartbeat: null };
  progress.stage = 'reading';
  progress.heartbeat = req.heartbeat ? 'spooled' : null;
  const result: BeatResult = {
    heartbeat: progress.heartbeat,
    replayed: 0,
    waiting: 0,
    givenUp: [],
    droppedForSpace: 0,
    retryReason: null,
    refusal: null,
    spoolError: null,
    lockHeld: false,
    spoolFile: req.spool.file,
  };
  /** Spooled lines to take out: delivered, or given up. */
  const done: string[] = [];
  // A spool that cannot be read in time must not keep the new heartbeat from being sent.
  const entries = await within(readSpool(req.spool, result), reserve, null);
  if (entries === null) {
    result.spoolError = `cannot read the spool ${req.spool.file} in time; sending only the new heartbeat`;
  }
  const queue = replayQueue(entries ?? [], now(), req.replayWindowMs, result, done);
  if (req.heartbeat) queue.push({ fresh: req.heartbeat });
  progress.stage = 'sending';
  await sendInOrder(req, queue, signal, sendBy, result, done);

  // A refused heartbeat is a configuration error to fix, not something to send again later.
  if (result.refusal && result.heartbeat === 'spooled') result.heartbeat = 'refused';
  progress.stage = 'spooling';
  progress.heartbeat = result.heartbeat;
  const fresh = result.heartbeat === 'spooled' ? { ...req.heartbeat!, at: stampedAt } : null;
  let waiting: number | null = null;
  try {
    const lockBy = Math.min(
      deadline - Math.min(LOCKLESS_APPEND_MS, reserve / 2),
      performance.now() + MAX_LOCK_WAIT_MS,
    );
    const settled = await req.spool.update(done, fresh, lockBy);
    result.droppedForSpace = settled.dropped;
    result.lockHeld = settled.withoutLock;
    waiting = settled.waiting;
  } catch (err) {
    if (result.heartbeat === 'spooled') result.heartbeat = 'lost';
    result.spoolError = `cannot write the spool ${req.spool.file}: ${(err as Error).message}`;
  }
  const known = Math.max(
    0,
    (entries?.length ?? 0) -
      (result.lockHeld ? 0 : done.length) +
      (result.heartbeat === 'spooled' ? 1 : 0),
  );
  // A spool that could not be read at first is not waited for again: the estimate will do.
  result.waiting =
    waiting ??
    (entries === null
      ? known
      : await within(
          req.spool.read().then((c) => c.entries.length),
          deadline - performance.now(),
          known,
        ).catch(() => known));
  progress.stage = 'done';
  progress.heartbeat = result.heartbeat;
  return result;
}

async function readSpool(spool: Spool, result: BeatResult): Promise<SpoolEntry[]> {
  try {
    return (await spool.read()).entries;
  } catch (err) {
    result.spoolError = `cannot read the spool ${spool.file}: ${(err as Error).message}`;
    return [];
  }
}

/** The promise's value if it settles within `ms`, else the fallback (the promise runs on). */
function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), Math.max(0, ms));
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The spooled heartbeats still worth sending, oldest first; those past the replay window are given up. */
function replayQueue(
  entries: SpoolEntry[],
  now: number,
  replayWindowMs: number | undefined,
  result: BeatResult,
  done: string[],
): Item[] {
  const oldest = now - (replayWindowMs ?? DEFAULT_REPLAY_WINDOW_MS);
  const queue: Item[] = [];
  for (const entry of entries) {
    if (Date.parse(entry.heartbeat.at) < oldest) {
      result.givenUp.push({ at: entry.heartbeat.at, error: 'too old to replay' });
      done.push(entry.line);
    } else queue.push({ spooled: entry });
  }
  return queue;
}

/** Sends the queue in batches, in order, until it is empty, the collector is away, or it refuses. */
async function sendInOrder(
  req: BeatRequest,
  queue: Item[],
  signal: AbortSignal,
  sendBy: number,
  result: BeatResult,
  done: string[],
): Promise<void> {
  let chunkSize = CHUNK;
  while (queue.length > 0) {
    const chunk = queue.slice(0, chunkSize);
    const outcome = await postHeartbeats(req.target, chunk.map(payloadOf), signal, sendBy);
    if (outcome.kind === 'delivered') {
      queue.splice(0, chunk.length);
      for (const item of chunk) {
        if ('spooled' in item) {
          done.push(item.spooled.line);
          result.replayed++;
        } else result.heartbeat = 'delivered';
      }
      continue;
    }
    if (outcome.kind === 'retry-later') {
      result.retryReason = outcome.reason;
      return;
    }
    // Nothing of a refused batch is stored. A 400 names the item: take that one out and
    // send the rest, so one bad spooled heartbeat never wedges every beat after it.
    const index = itemIndex(outcome.field);
    const item = outcome.status === 400 && index !== null ? chunk[index] : undefined;
    if (item === undefined || index === null) {
      if ((outcome.status === 400 || outcome.status === 413) && chunk.length > 1) {
        // The batch as a whole is over this collector's limits: smaller ones, same order.
        chunkSize = Math.ceil(chunk.length / 2);
        continue;
      }
      result.refusal = { status: outcome.status, error: outcome.error };
      return;
    }
    queue.splice(index, 1);
    if ('spooled' in item) {
      result.givenUp.push({ at: item.spooled.heartbeat.at, error: outcome.error });
      done.push(item.spooled.line);
    } else {
      result.refusal = { status: outcome.status, error: outcome.error };
    }
  }
}

function payloadOf(item: Item): HeartbeatInput {
  return 'spooled' in item ? item.spooled.heartbeat : item.fresh;
}

/** `[3].at` -> 3: the collector names the refused item of a batch by its index. */
export function itemIndex(field: string | null): number | null {
  const match = field === null ? null : /^\[(\d+)\]/.exec(field);
  return match ? Number(match[1]) : null;
}

/** The lines a beat prints on stderr: nothing when all went well, one line per thing to know. */
export function warningsOf(r: BeatResult): string[] {
  const lines: string[] = [];
  if (r.spoolError) lines.push(r.spoolError);
  if (r.heartbeat === 'spooled') {
    lines.push(
      `${r.retryReason ?? 'not delivered'}; the heartbeat is spooled in ${r.spoolFile} (${r.waiting} waiting) and will be sent by the next beat`,
    );
  } else if (r.heartbeat === 'lost') {
    lines.push(
      `${r.retryReason ?? 'not delivered'}, and the heartbeat could not be spooled: it is lost`,
    );
  } else if (r.heartbeat !== 'refused' && r.retryReason && r.waiting > 0) {
    lines.push(`${r.retryReason}; ${r.waiting} spooled heartbeats wait in ${r.spoolFile}`);
  }
  if (r.lockHeld) {
    const what = [
      r.heartbeat === 'spooled' ? 'the heartbeat was appended without it' : '',
      r.replayed > 0 || r.givenUp.length > 0
        ? 'the lines sent or given up stay in the spool (sent again later, duplicates are harmless)'
        : '',
    ].filter(Boolean);
    lines.push(
      `the spool lock ${path.join(path.dirname(r.spoolFile), SPOOL_LOCK)} was held by another process until the time budget ran out${what.length > 0 ? `: ${what.join('; ')}` : ''}`,
    );
  }
  if (r.droppedForSpace > 0) {
    lines.push(
      `the spool ${r.spoolFile} is full: dropped the ${r.droppedForSpace} oldest heartbeats`,
    );
  }
  if (r.givenUp.length > 0) {
    const first = r.givenUp[0]!;
    lines.push(
      `gave up ${r.givenUp.length} spooled heartbeats the collector will not take (first, at ${first.at}: ${first.error})`,
    );
  }
  return lines;
}

/** The one line for a refusal: what the collector said and what to check. */
export function refusalMessage(r: BeatResult, url: string): string | null {
  if (!r.refusal) return null;
  const { status, error } = r.refusal;
  const hint =
    status === 401 || status === 403
      ? 'check --token / $CORRAL_TOKEN (it needs the heartbeat role)'
      : status === 404
        ? 'check --collector / $CORRAL_URL'
        : 'fix the command line';
  return `the collector at ${url} refused the heartbeat (${status}: ${error}): ${hint}; it was not spooled`;
}
