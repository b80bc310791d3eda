// A beat: replay what is spooled, in order with its original times, then send the new heartbeat, all within one time budget.
import type { HeartbeatInput } from '../domain/heartbeat.js';
import { postHeartbeats, type CollectorTarget } from './send.js';
import type { Spool, SpoolEntry } from './spool.js';

/** Well under the collector's default batch (5000) and body (1 MiB) limits, even with long messages. */
const CHUNK = 500;
/** The collector's default bound on a replayed `at`; older ones are given up before sending. */
export const DEFAULT_REPLAY_WINDOW_MS = 7 * 86_400_000;

export interface BeatRequest {
  target: CollectorTarget;
  spool: Spool;
  /** The new heartbeat, sent without `at` so the collector's clock stamps it; null to only flush. */
  heartbeat: HeartbeatInput | null;
  timeoutMs: number;
  replayWindowMs?: number;
  now?: () => number;
}

export type FreshStatus = 'delivered' | 'spooled' | 'refused' | 'lost';

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
  spoolFile: string;
}

type Item = { spooled: SpoolEntry } | { fresh: HeartbeatInput };

export async function beat(req: BeatRequest): Promise<BeatResult> {
  const now = req.now ?? Date.now;
  const signal = AbortSignal.timeout(req.timeoutMs);
  const stampedAt = new Date(now()).toISOString();
  const result: BeatResult = {
    heartbeat: req.heartbeat ? 'spooled' : null,
    replayed: 0,
    waiting: 0,
    givenUp: [],
    droppedForSpace: 0,
    retryReason: null,
    refusal: null,
    spoolError: null,
    spoolFile: req.spool.file,
  };
  /** Spooled lines to take out: delivered, or given up. */
  const done: string[] = [];
  const queue = await replayQueue(req, now(), result, done);
  if (req.heartbeat) queue.push({ fresh: req.heartbeat });
  await sendInOrder(req, queue, signal, result, done);

  // A refused heartbeat is a configuration error to fix, not something to send again later.
  if (result.refusal && result.heartbeat === 'spooled') result.heartbeat = 'refused';
  try {
    await req.spool.remove(done);
    if (result.heartbeat === 'spooled') {
      const { dropped } = await req.spool.append({ ...req.heartbeat!, at: stampedAt });
      result.droppedForSpace = dropped;
    }
  } catch (err) {
    if (result.heartbeat === 'spooled') result.heartbeat = 'lost';
    result.spoolError = `cannot write the spool ${req.spool.file}: ${(err as Error).message}`;
  }
  result.waiting = await req.spool
    .read()
    .then((c) => c.entries.length)
    .catch(() => 0);
  return result;
}

/** The spooled heartbeats still worth sending, oldest first; those past the replay window are given up. */
async function replayQueue(
  req: BeatRequest,
  now: number,
  result: BeatResult,
  done: string[],
): Promise<Item[]> {
  let entries: SpoolEntry[] = [];
  try {
    entries = (await req.spool.read()).entries;
  } catch (err) {
    result.spoolError = `cannot read the spool ${req.spool.file}: ${(err as Error).message}`;
  }
  const oldest = now - (req.replayWindowMs ?? DEFAULT_REPLAY_WINDOW_MS);
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
  result: BeatResult,
  done: string[],
): Promise<void> {
  let chunkSize = CHUNK;
  while (queue.length > 0) {
    const chunk = queue.slice(0, chunkSize);
    const outcome = await postHeartbeats(req.target, chunk.map(payloadOf), signal);
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
