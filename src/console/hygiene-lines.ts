// A hygiene item as the console writes it: what kind of decision, the slave, whose, until when (in
// local time), the collector's detail; and the header's count of them. Pure.
import type { HygieneItem, HygieneKind } from '../domain/protocol.js';
import { formatWhen } from './action-words.js';
import { truncate, truncateMiddle } from './format.js';

/** Short, as the KIND column says them. */
export const HYGIENE_KIND_WORDS: Record<HygieneKind, string> = {
  'mute-ending': 'mute ending',
  'muted-healthy': 'muted but ok',
  'review-due': 'review due',
  'foreign-downtime': 'not corral’s',
};

const KIND_WIDTH = 12;
const BY_WIDTH = 12;
/** `11-30 14:00 CET`, or `-` */
const UNTIL_WIDTH = 15;

/** The column heads over the items, for a slave column this wide. */
export function hygieneTitles(slaveWidth: number): string {
  return [
    'KIND'.padEnd(KIND_WIDTH),
    'SLAVE'.padEnd(slaveWidth),
    'WHOSE'.padEnd(BY_WIDTH),
    'UNTIL'.padEnd(UNTIL_WIDTH),
    'DETAIL',
  ].join(' ');
}

/** `mute ending  t-w732-ix-003  jdoe  11-30 14:00 CET  downtime ends in 3h; the slave is dead` */
export function hygieneLine(item: HygieneItem, slaveWidth: number, nowMs: number): string {
  const until = item.until === null ? '-' : formatWhen(Date.parse(item.until), nowMs);
  return [
    truncate(HYGIENE_KIND_WORDS[item.kind], KIND_WIDTH),
    truncateMiddle(item.slave, slaveWidth),
    truncate(item.by ?? '-', BY_WIDTH),
    truncate(until, UNTIL_WIDTH),
    item.detail,
  ].join(' ');
}

/** `4 to decide (H)`: the header's count; empty when nothing needs a decision. */
export function hygieneCount(items: readonly HygieneItem[]): string {
  return items.length === 0 ? '' : `${items.length} to decide (H)`;
}
