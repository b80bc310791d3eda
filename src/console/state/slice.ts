// What every slice of the console's store is built with: its own store's set and get, and the
// one way to change what the view is derived from.
import type { ConsoleData } from './console-data.js';
import type { ViewChange } from './derived-view.js';

export interface SliceTools {
  get: () => ConsoleData;
  /** A change that the derived view does not depend on. */
  set: (patch: Partial<ConsoleData>) => void;
  /** A change to what the view is derived from: the view is derived again in the same update. */
  update: (patch: Partial<ConsoleData>, change: ViewChange) => void;
}
