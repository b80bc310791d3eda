// What needs an operator's decision about the fleet's mutes (`corral hygiene`, the console's
// hygiene view): a downtime about to end on a slave still failing, a mute hiding nothing on a
// slave that cycles normally, a park past its review, a downtime corral did not make. Pure: the
// slaves, their start histories and the clock are given.
import { oneLine } from './printable.js';
import type { HygieneItem } from './protocol.js';
import type { Muting, SlaveView } from './slave.js';
import type { SlaveState } from './state.js';
import { thresholdsFor, type ThresholdPolicy } from './thresholds.js';

/** A downtime ending within this on a failing slave needs a decision now. */
export const ENDING_WITHIN_SECONDS = 24 * 3600;

/** The default of `hygiene.healthy_starts`: this many normal starts make a mute needless. */
export const DEFAULT_HEALTHY_STARTS = 3;

/** States in which a slave whose mute ends would start alerting. */
const FAILING: ReadonlySet<SlaveState> = new Set(['late', 'dead', 'critical']);

export interface HygieneSlave {
  view: SlaveView;
  /** Its recent buildbot starts, epoch ms, oldest first. */
  starts: readonly number[];
}

export interface HygieneRules {
  policy: ThresholdPolicy;
  /** How many starts in a row, each within the late threshold of the one before, make a slave healthy. */
  healthyStarts: number;
}

type Downtime = Extract<Muting, { kind: 'downtime' }>;

/** Every item, by slave name then kind (the order of HYGIENE_KINDS). */
export function hygieneOf(
  slaves: readonly HygieneSlave[],
  now: number,
  rules: HygieneRules,
): HygieneItem[] {
  const items: HygieneItem[] = [];
  for (const s of slaves) {
    const ending = muteEnding(s.view, now);
    if (ending) items.push(ending);
    const healthy = mutedHealthy(s, now, rules);
    if (healthy) items.push(healthy);
    const review = reviewDue(s.view);
    if (review) items.push(review);
    items.push(...foreignDowntimes(s.view));
  }
  // Sorted once the few items are known (a stable sort keeps each slave's kinds in order).
  return items.sort((a, b) => (a.slave < b.slave ? -1 : a.slave > b.slave ? 1 : 0));
}

/**
 * A failing slave whose mute ends within 24 h (exactly 24 h counts): its last downtime in effect,
 * when no acknowledgement holds it past that and corral does not keep it muted (parked).
 */
function muteEnding(v: SlaveView, now: number): HygieneItem | null {
  if (!FAILING.has(v.state) || v.parked) return null;
  if (v.mutes.some((m) => m.kind === 'acknowledgement')) return null;
  const downtimes = v.mutes.filter((m): m is Downtime => m.kind === 'downtime');
  if (downtimes.length === 0) return null;
  const last = downtimes.reduce((a, b) => (Date.parse(b.end) > Date.parse(a.end) ? b : a));
  const left = Date.parse(last.end) - now;
  if (left > ENDING_WITHIN_SECONDS * 1000) return null;
  return {
    kind: 'mute-ending',
    slave: v.name,
    detail: oneLine(
      `${v.state}, and ${last.author}'s downtime (${last.comment}) ends at ${last.end}: extend it, or fix the slave`,
    ),
    by: last.author,
    until: last.end,
  };
}

/**
 * A muted slave whose last `healthyStarts` starts each came within its late threshold of the one
 * before (and the last within it of now), with no critical since the first of them, and whose
 * state is ok: the mute hides nothing now and will hide its next failure.
 */
function mutedHealthy(s: HygieneSlave, now: number, rules: HygieneRules): HygieneItem | null {
  const v = s.view;
  if (v.mutes.length === 0 || v.state !== 'ok') return null;
  const n = rules.healthyStarts;
  if (s.starts.length < n) return null;
  const recent = s.starts.slice(-n);
  const late = thresholdsFor(rules.policy, v.pool).warningSeconds * 1000;
  const times = [...recent, now];
  for (let i = 1; i < times.length; i++) {
    if (times[i]! - times[i - 1]! >= late) return null;
  }
  if (v.lastCritical !== null && Date.parse(v.lastCritical.at) >= recent[0]!) return null;
  if (v.parked) {
    return {
      kind: 'muted-healthy',
      slave: v.name,
      detail: oneLine(
        `parked by ${v.parked.by} (${v.parked.reason}) though its last ${n} starts were on time: unpark it, or its park hides the next failure`,
      ),
      by: v.parked.by,
      until: v.parked.review,
    };
  }
  const mute = v.mutes[0]!;
  const what =
    mute.kind === 'downtime' ? `${mute.author}'s downtime` : `${mute.author}'s acknowledgement`;
  return {
    kind: 'muted-healthy',
    slave: v.name,
    detail: oneLine(
      `muted by ${what} (${mute.comment}) though its last ${n} starts were on time: remove the mute, or it hides the next failure`,
    ),
    by: mute.author,
    until: mute.kind === 'downtime' ? mute.end : null,
  };
}

function reviewDue(v: SlaveView): HygieneItem | null {
  const p = v.parked;
  if (!p?.reviewDue) return null;
  const owner = p.owner === '' || p.owner === p.by ? '' : `, owner ${p.owner}`;
  return {
    kind: 'review-due',
    slave: v.name,
    detail: oneLine(
      `parked by ${p.by}${owner} (${p.reason}); review was due ${p.review ?? '?'}: unpark it or set a new review`,
    ),
    by: p.by,
    until: p.review,
  };
}

/** Each downtime in effect that corral did not make (`actionId` null), with author and comment. */
function foreignDowntimes(v: SlaveView): HygieneItem[] {
  return v.mutes
    .filter((m): m is Downtime => m.kind === 'downtime' && m.actionId === null)
    .map((d) => ({
      kind: 'foreign-downtime' as const,
      slave: v.name,
      detail: oneLine(`downtime by ${d.author} (${d.comment}) until ${d.end}, not made by corral`),
      by: d.author,
      until: d.end,
    }));
}
