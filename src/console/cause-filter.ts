// The console's causes, from the rows it holds, and the cause key's filter: exactly the slaves of
// one cause, following it as slaves join or leave it (a cause is named by its group and state).
import { causesOfTurned, turnedOf, type Cause, type Turned } from '../domain/causes.js';
import type { Row } from './rows.js';

export interface CauseFilter {
  /** `master bm05 critical`: which cause, as long as it lasts. */
  key: string;
  names: ReadonlySet<string>;
}

export function causeKey(cause: Cause): string {
  return `${cause.group} ${cause.name} ${cause.state}`;
}

function filterOf(cause: Cause): CauseFilter {
  return { key: causeKey(cause), names: new Set(cause.slaves) };
}

/** The filter on the cause's current slaves; the last ones it had once the cause is gone (all handled). */
export function followCause(filter: CauseFilter, causes: readonly Cause[]): CauseFilter {
  const cause = causes.find((c) => causeKey(c) === filter.key);
  if (cause === undefined) return filter;
  const same =
    cause.slaves.length === filter.names.size && cause.slaves.every((s) => filter.names.has(s));
  return same ? filter : filterOf(cause);
}

/** The cause key: the first cause, then each next one, then none (all slaves again). */
export function nextCauseFilter(
  current: CauseFilter | null,
  causes: readonly Cause[],
): CauseFilter | null {
  const at = current === null ? -1 : causes.findIndex((c) => causeKey(c) === current.key);
  const next = causes[at + 1];
  return next === undefined ? null : filterOf(next);
}

/** The causes among the rows, from the states and times they already hold (no dates parsed again). */
export function causesOfRows(rows: Iterable<Row>): Cause[] {
  const turned: Turned[] = [];
  for (const row of rows) {
    // Muted or parked: taken in hand, no cause to point at.
    if (row.muted || row.parked) continue;
    const t = turnedOf(row.view, row.state, row.freshness, row.thresholds);
    if (t !== null) turned.push(t);
  }
  return causesOfTurned(turned);
}
