// A likely common cause: many unhandled slaves of one master or pool that turned late, dead or
// critical close together (a master down, a pool's network gone). The console, `corral ls --summary` and the API say it.
import { oneLine } from './printable.js';
import type { SlaveView } from './slave.js';
import { freshnessOfView } from './slave.js';
import { compareNames } from './sort.js';
import { stateOf, stateRank, type Freshness, type SlaveState, type Thresholds } from './state.js';
import { DEFAULT_POLICY, thresholdsFor, type ThresholdPolicy } from './thresholds.js';

export type CauseState = 'late' | 'dead' | 'critical';

export interface Cause {
  /** What the slaves share: their master or their pool. */
  group: 'master' | 'pool';
  /** The master's or the pool's name. */
  name: string;
  state: CauseState;
  count: number;
  /** When the first of them turned (ISO 8601 UTC). */
  since: string;
  /** The critical message most of them sent; null for late and dead. */
  message: string | null;
  /** Their names, sorted. */
  slaves: string[];
}

/** How many slaves make a cause: fewer than this are single failures, not a common one. */
export const CAUSE_MIN_SLAVES = 5;
/** Slaves turning within this of the previous one turned "close together" (seconds). */
export const CAUSE_GAP_SECONDS = 600;

export interface CauseOptions {
  /** The thresholds that make slaves late and dead (the collector's, or the console's `hello`). */
  policy?: ThresholdPolicy;
  minSlaves?: number;
  gapSeconds?: number;
}

/** The fields causesOf reads; a SlaveView has them all. */
export type CauseInput = Pick<
  SlaveView,
  'name' | 'pool' | 'master' | 'lastStart' | 'lastCritical' | 'muted' | 'reboot'
>;

/** A slave that turned late, dead or critical, unmuted: what causes are made of. */
export interface Turned {
  name: string;
  pool: string | null;
  master: string | null;
  state: CauseState;
  /** Epoch ms at which the slave entered its state. */
  at: number;
  message: string | null;
}

const CAUSE_STATES: ReadonlySet<SlaveState> = new Set(['late', 'dead', 'critical']);

/**
 * The causes at `now` (epoch ms), worst first: most slaves, then the worse state. A muted slave
 * is handled and never part of one; slaves never heard from are not (they never turned). A
 * pool's cause whose slaves all belong to a bigger (or equal) master's cause is left out: the
 * master explains it.
 */
export function causesOf(
  slaves: readonly CauseInput[],
  now: number,
  options: CauseOptions = {},
): Cause[] {
  const policy = options.policy ?? DEFAULT_POLICY;
  const turned: Turned[] = [];
  for (const slave of slaves) {
    if (slave.muted !== null) continue;
    const freshness = freshnessOfView(slave);
    const thresholds = thresholdsFor(policy, slave.pool);
    const t = turnedOf(slave, stateOf(freshness, thresholds, now), freshness, thresholds);
    if (t !== null) turned.push(t);
  }
  return causesOfTurned(turned, options);
}

/**
 * A slave in its state (computed at the caller's clock) as causes count it: null unless it is
 * late, dead or critical. The console calls this with the state and freshness it already holds.
 */
export function turnedOf(
  slave: {
    name: string;
    pool: string | null;
    master: string | null;
    lastCritical: { message: string | null } | null;
  },
  state: SlaveState,
  freshness: Freshness,
  thresholds: Thresholds,
): Turned | null {
  if (!CAUSE_STATES.has(state)) return null;
  const { name, pool, master } = slave;
  if (state === 'critical') {
    const message = slave.lastCritical?.message ?? null;
    return { name, pool, master, state, at: freshness.lastCritical!, message };
  }
  const after = state === 'late' ? thresholds.warningSeconds : thresholds.criticalSeconds;
  const at = freshness.lastStart! + after * 1000;
  return { name, pool, master, state: state as CauseState, at, message: null };
}

/** The causes among these turned slaves (already unmuted), worst first: see causesOf. */
export function causesOfTurned(turned: readonly Turned[], options: CauseOptions = {}): Cause[] {
  const minSlaves = options.minSlaves ?? CAUSE_MIN_SLAVES;
  const gapMs = (options.gapSeconds ?? CAUSE_GAP_SECONDS) * 1000;
  const byGroup = new Map<string, { group: Cause['group']; name: string; turned: Turned[] }>();
  for (const t of turned) {
    for (const group of ['master', 'pool'] as const) {
      const name = t[group];
      if (name === null) continue;
      const key = `${group}\u0000${name}\u0000${t.state}`;
      let entry = byGroup.get(key);
      if (entry === undefined) byGroup.set(key, (entry = { group, name, turned: [] }));
      entry.turned.push(t);
    }
  }
  const found: Cause[] = [];
  for (const { group, name, turned: members } of byGroup.values()) {
    for (const cluster of clusters(members, gapMs)) {
      if (cluster.length >= minSlaves) found.push(causeOf(group, name, cluster));
    }
  }
  found.sort(compareCauses);
  return withoutExplained(found);
}

/** How the console and `corral ls --summary` say a cause in one line. */
export function causeLine(cause: Cause, formatTime: (iso: string) => string): string {
  const who = cause.group === 'pool' ? `pool ${cause.name}` : cause.name;
  const what = `${who}: ${cause.count} slave${cause.count === 1 ? '' : 's'} ${cause.state} since ${formatTime(cause.since)}`;
  return cause.message === null ? what : `${what}: ${oneLine(cause.message)}`;
}

/** Runs of slaves each turning within `gapMs` of the one before. */
function clusters(turned: Turned[], gapMs: number): Turned[][] {
  const sorted = [...turned].sort((a, b) => a.at - b.at);
  const out: Turned[][] = [];
  let run: Turned[] = [];
  for (const t of sorted) {
    if (run.length > 0 && t.at - run[run.length - 1]!.at > gapMs) {
      out.push(run);
      run = [];
    }
    run.push(t);
  }
  if (run.length > 0) out.push(run);
  return out;
}

function causeOf(group: Cause['group'], name: string, cluster: Turned[]): Cause {
  return {
    group,
    name,
    state: cluster[0]!.state,
    count: cluster.length,
    since: new Date(cluster[0]!.at).toISOString(),
    message: commonestMessage(cluster),
    slaves: cluster.map((t) => t.name).sort(compareNames),
  };
}

function commonestMessage(cluster: Turned[]): string | null {
  const counts = new Map<string, number>();
  for (const t of cluster) {
    if (t.message !== null && t.message !== '')
      counts.set(t.message, (counts.get(t.message) ?? 0) + 1);
  }
  let best: string | null = null;
  let bestCount = 0;
  for (const [message, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== null && message < best)) {
      best = message;
      bestCount = count;
    }
  }
  return best;
}

function compareCauses(a: Cause, b: Cause): number {
  return (
    b.count - a.count ||
    stateRank(a.state) - stateRank(b.state) ||
    (a.group === b.group ? 0 : a.group === 'master' ? -1 : 1) ||
    compareNames(a.name, b.name) ||
    compareNames(a.since, b.since)
  );
}

/** Drops each cause whose slaves all lie in one cause kept before it. */
function withoutExplained(sorted: Cause[]): Cause[] {
  const kept: Array<{ cause: Cause; slaves: ReadonlySet<string> }> = [];
  for (const cause of sorted) {
    const explained = kept.some(
      (k) => k.cause.state === cause.state && cause.slaves.every((s) => k.slaves.has(s)),
    );
    if (!explained) kept.push({ cause, slaves: new Set(cause.slaves) });
  }
  return kept.map((k) => k.cause);
}
