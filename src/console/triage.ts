// Handled or not: a problem an operator already took in hand (muted in Nagios, being rebooted,
// parked) is handled; the console's quick filters, header counts and group order put the unhandled
// ones first.
import { matchesStateFilter, type StateFilter } from '../domain/filter.js';
import { PROBLEM_STATES, SLAVE_STATES, type SlaveState } from '../domain/state.js';

/** The digit keys' filters: the domain's state filters, and the two that tell handled apart. */
export const QUICK_FILTERS = [
  'all',
  'unhandled',
  'problems',
  'muted',
  'muted-healthy',
  'parked',
] as const;
export type QuickFilter = StateFilter | 'unhandled' | 'muted-healthy' | 'parked';

export const QUICK_FILTER_LABELS: Record<QuickFilter, string> = {
  all: 'all',
  unhandled: 'unhandled problems',
  problems: 'all problems',
  muted: 'muted only',
  'muted-healthy': 'muted while ok',
  parked: 'parked',
};

/** What triage reads of a row. */
export interface Triageable {
  state: SlaveState;
  muted: boolean;
  /** Parked on purpose (`corral park`): idle by decision, never a problem to triage. */
  parked?: boolean;
  /** Parked past its review date. */
  reviewDue?: boolean;
}

/** Muted in Nagios (a downtime or an acknowledgement), being rebooted, or parked. */
export function isHandled(row: Triageable): boolean {
  return row.muted || row.parked === true || row.state === 'rebooting';
}

export function isUnhandledProblem(row: Triageable): boolean {
  return PROBLEM_STATES.has(row.state) && !isHandled(row);
}

/**
 * Muted but fine: a downtime or an acknowledgement someone may have forgotten to lift. A parked
 * slave's downtime is kept on purpose (its review date is what asks for a decision).
 */
export function isMutedHealthy(row: Triageable): boolean {
  return row.muted && !row.parked && row.state === 'ok';
}

export function matchesQuickFilter(filter: QuickFilter, row: Triageable): boolean {
  if (filter === 'unhandled') return isUnhandledProblem(row);
  if (filter === 'muted-healthy') return isMutedHealthy(row);
  if (filter === 'parked') return row.parked === true;
  return matchesStateFilter(filter, row);
}

/** Slaves per state, split into unhandled and handled, the muted ones that are ok, the parked. */
export interface TriageCounts {
  unhandled: Record<SlaveState, number>;
  handled: Record<SlaveState, number>;
  mutedHealthy: number;
  parked: number;
  /** Parked past their review date. */
  reviewDue: number;
}

export function countTriage(rows: Iterable<Triageable>): TriageCounts {
  const zero = () =>
    Object.fromEntries(SLAVE_STATES.map((s) => [s, 0])) as Record<SlaveState, number>;
  const counts: TriageCounts = {
    unhandled: zero(),
    handled: zero(),
    mutedHealthy: 0,
    parked: 0,
    reviewDue: 0,
  };
  for (const row of rows) {
    counts[isHandled(row) ? 'handled' : 'unhandled'][row.state]++;
    if (isMutedHealthy(row)) counts.mutedHealthy++;
    if (row.parked) counts.parked++;
    if (row.reviewDue) counts.reviewDue++;
  }
  return counts;
}

/**
 * What `1` goes to from the current filter: unhandled problems first, all problems on a second
 * press (handled ones included), and back.
 */
export function nextProblemFilter(current: QuickFilter): QuickFilter {
  return current === 'unhandled' ? 'problems' : 'unhandled';
}
