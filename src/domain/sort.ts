// The console's default order, shared with `GET /api/v1/slaves` and `corral ls`: worst state first, then oldest start.
import { stateRank, type SlaveState } from './state.js';

export interface Sortable {
  name: string;
  state: SlaveState;
  /** Epoch ms of the last start, null when the slave never started. */
  lastStart: number | null;
}

export function compareByStateThenAge(a: Sortable, b: Sortable): number {
  return (
    stateRank(a.state) - stateRank(b.state) ||
    (a.lastStart ?? -Infinity) - (b.lastStart ?? -Infinity) ||
    compareNames(a.name, b.name)
  );
}

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
