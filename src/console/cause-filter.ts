// The cause key's filter: exactly the slaves of one cause, following it as slaves join or leave it
// (a cause is named by its group and state, so it keeps its name as it grows).
import type { Cause } from '../domain/causes.js';

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
