// An action as the engine recorded it, in domain words only, so that any backend (and Nagios's
// read-back) can tell whether it shows the action done without knowing the engine.
import type { DowntimeMatch } from './downtime-match.js';
import type { ActionKind, ResolvedParams } from './protocol.js';

/** An action as the engine recorded it, for `confirmed`: who, what, when it was handed over. */
export interface ActionFacts {
  kind: ActionKind;
  author: string;
  /** When the action was handed to the backend, epoch ms. */
  at: number;
  params: ResolvedParams;
  /** cancel-downtime: the downtimes it removes (all when undefined). */
  cancels?: DowntimeMatch;
}
