// Downtimes that end when the slave is back: which downtime each is (to cancel exactly that one),
// when a start proves the slave back, and how they are marked in a slave's mutes. Pure.
import { downtimeMatches, type DowntimeFacts, type DowntimeMatch } from './downtime-match.js';
import type { SlaveMutes } from './slave-record.js';
import type { Muting, ServiceView } from './slave.js';

/** An until-back downtime's upper bound when the operator gives none (`--for`/`--until`). */
export const UNTIL_BACK_DEFAULT_SECONDS = 7 * 86400;

/** One until-back downtime corral waits to cancel: the slave, the action that made it, its facts. */
export interface UntilBackDowntime {
  slave: string;
  actionId: number;
  author: string;
  comment: string;
  /** The downtime's start, epoch ms (whole seconds, as the monitoring system keeps it). */
  start: number;
  fixed: boolean;
  /** When corral asked for it, epoch ms: only a start after this proves the slave back. */
  since: number;
}

/**
 * The downtime in the monitoring system: its author, comment, start and kind. Not its end, which
 * `extend-downtime` moves (keeping the rest), so an extended until-back downtime stays one.
 */
export function untilBackMatch(d: UntilBackDowntime): DowntimeMatch {
  return { author: d.author, comment: d.comment, start: d.start, fixed: d.fixed };
}

/** Whether the slave's service, as the monitoring system shows it, still has this downtime. */
export function isShownIn(d: UntilBackDowntime, downtimes: ServiceView['downtimes']): boolean {
  return downtimes.some((x) => isThis(d, x));
}

/** Whether a start at `startAt` (epoch ms; null: none yet) ends this downtime. */
export function isBackFor(d: UntilBackDowntime, startAt: number | null): boolean {
  return startAt !== null && startAt > d.since;
}

/** The slave's mutes with `untilBack: true` on the downtimes corral cancels at its next start. */
export function markUntilBack(m: SlaveMutes, pending: readonly UntilBackDowntime[]): SlaveMutes {
  if (pending.length === 0) return m;
  const mark = (x: Muting): Muting =>
    x.kind === 'downtime' && pending.some((d) => isThis(d, x)) ? { ...x, untilBack: true } : x;
  return { muted: m.muted && mark(m.muted), mutes: m.mutes.map(mark) };
}

/** Whether a downtime as shown (times ISO 8601) is this until-back downtime. */
function isThis(d: UntilBackDowntime, shown: ShownDowntime): boolean {
  const facts: DowntimeFacts = {
    author: shown.author,
    comment: shown.comment,
    start: Date.parse(shown.start),
    end: Date.parse(shown.end),
    fixed: shown.fixed,
  };
  return downtimeMatches(untilBackMatch(d), facts);
}

type ShownDowntime = Pick<
  Muting & { kind: 'downtime' },
  'author' | 'comment' | 'start' | 'end' | 'fixed'
>;
