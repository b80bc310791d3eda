// A slave as the console shows it: the wire view plus its state computed locally at the store's clock.
import type { Filterable } from '../domain/filter.js';
import { freshnessOfView, type SlaveView } from '../domain/slave.js';
import { compareByStateThenAge, compareNames } from '../domain/sort.js';
import {
  SLAVE_STATES,
  nextTransition,
  stateOf,
  stateRank,
  type Freshness,
  type SlaveState,
  type Thresholds,
} from '../domain/state.js';
import { thresholdsFor, type ThresholdPolicy } from '../domain/thresholds.js';
import { isUnhandledProblem } from './triage.js';

export interface Row extends Filterable {
  view: SlaveView;
  freshness: Freshness;
  thresholds: Thresholds;
  /** Computed here at the store's clock, so a slave turns late at the right second without a message. */
  state: SlaveState;
  lastStart: number | null;
  muted: boolean;
  /** Parked on purpose (`corral park`); `view.parked` says why and by whom. */
  parked: boolean;
  /** Parked past its review date, as the collector says. */
  reviewDue: boolean;
  /** Epoch ms (server clock) of the next state time alone will bring; null when none will. */
  nextAt: number | null;
}

export function toRow(view: SlaveView, policy: ThresholdPolicy, now: number): Row {
  const freshness = freshnessOfView(view);
  const thresholds = thresholdsFor(policy, view.pool);
  return {
    name: view.name,
    pool: view.pool,
    master: view.master,
    view,
    freshness,
    thresholds,
    state: stateOf(freshness, thresholds, now),
    lastStart: freshness.lastStart,
    muted: view.muted !== null,
    parked: Boolean(view.parked),
    reviewDue: view.parked?.reviewDue === true,
    nextAt: nextTransition(freshness, thresholds, now)?.at ?? null,
  };
}

/** The row at a later time, or the same object when nothing about it changed (so React skips it). */
export function retick(row: Row, now: number): Row {
  const state = stateOf(row.freshness, row.thresholds, now);
  if (state === row.state) return row;
  return { ...row, state, nextAt: nextTransition(row.freshness, row.thresholds, now)?.at ?? null };
}

export const SORT_KEYS = ['state', 'next', 'age', 'name', 'pool', 'master'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export const GROUPINGS = ['none', 'pool', 'master'] as const;
export type Grouping = (typeof GROUPINGS)[number];

const byField = (field: 'name' | 'pool' | 'master') => (a: Row, b: Row) =>
  compareNullable(a[field], b[field]) || compareByStateThenAge(a, b);

/** Comparators for every sort key; the default is docs/design.md's state order, then oldest start. */
export const COMPARATORS: Record<SortKey, (a: Row, b: Row) => number> = {
  state: compareByStateThenAge,
  // What is about to break first; slaves that time cannot change any more follow, worst first.
  next: (a, b) => (a.nextAt ?? Infinity) - (b.nextAt ?? Infinity) || compareByStateThenAge(a, b),
  age: (a, b) =>
    (a.lastStart ?? -Infinity) - (b.lastStart ?? -Infinity) || compareNames(a.name, b.name),
  name: byField('name'),
  pool: byField('pool'),
  master: byField('master'),
};

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return compareNames(a, b);
}

export function groupKey(row: Row, grouping: Grouping): string | null {
  if (grouping === 'pool') return row.pool ?? '(no pool)';
  if (grouping === 'master') return row.master ?? '(no master)';
  return null;
}

/** How bad a group is: its unhandled problems that changed (never-heard slaves rarely do), its worst one, its never-heard ones. */
interface GroupBadness {
  problems: number;
  worst: number;
  never: number;
}

/**
 * Group keys in order, worst group first: most unhandled problems (late, dead, critical, needs
 * hands), then the worst of them, then most never heard from, then by name. Muted and rebooting
 * slaves are handled and weigh nothing, so a pool in a long downtime sinks.
 */
export function groupOrder(rows: Iterable<Row>, grouping: Grouping): Map<string, number> {
  const badness = new Map<string, GroupBadness>();
  for (const row of rows) {
    const key = groupKey(row, grouping);
    if (key === null) continue;
    let b = badness.get(key);
    if (b === undefined) badness.set(key, (b = { problems: 0, worst: Infinity, never: 0 }));
    if (!isUnhandledProblem(row)) continue;
    if (row.state === 'never') b.never++;
    else {
      b.problems++;
      b.worst = Math.min(b.worst, stateRank(row.state));
    }
  }
  const keys = [...badness.keys()].sort((a, b) => {
    const x = badness.get(a)!;
    const y = badness.get(b)!;
    return y.problems - x.problems || x.worst - y.worst || y.never - x.never || compareNames(a, b);
  });
  return new Map(keys.map((k, i) => [k, i]));
}

/** `199 critical · 3 dead · 10 ok`: a group's slaves per state, worst first. */
export function stateBreakdown(counts: Partial<Record<SlaveState, number>>): string {
  return SLAVE_STATES.filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(' · ');
}

/** Every row at a later time: the same map when no state changed, so nothing re-renders. */
export function retickAll(slaves: ReadonlyMap<string, Row>, now: number): ReadonlyMap<string, Row> {
  let changed: Map<string, Row> | null = null;
  for (const [name, row] of slaves) {
    const next = retick(row, now);
    if (next !== row) (changed ??= new Map(slaves)).set(name, next);
  }
  return changed ?? slaves;
}
