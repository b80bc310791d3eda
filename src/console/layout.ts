// Which table columns fit the terminal, and how wide: widths follow the rows shown (a name column
// as long as the longest name), narrow terminals drop columns in a fixed order instead of wrapping.
import { formatAction, formatMuted, rowMessage } from './format.js';
import type { Row } from './rows.js';

export const COLUMN_KEYS = [
  'mark',
  'state',
  'name',
  'pool',
  'master',
  'age',
  'started',
  'next',
  'muted',
  'action',
  'message',
] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

export interface Column {
  key: ColumnKey;
  title: string;
  width: number;
}

/** What the rows shown need: the longest text of each column whose width follows the data. */
export interface ColumnNeeds {
  name: number;
  pool: number;
  master: number;
  /** 0: no row shown is muted or parked (the column is left out). */
  muted: number;
  /** 0: nothing in flight on a row shown (the column is left out). */
  action: number;
  /** Whether a row shown has a critical message that still counts, or is parked (its reason). */
  message: boolean;
}

/** Columns whose width is the same whatever the rows: their longest text. */
const FIXED: Record<'mark' | 'state' | 'age' | 'started' | 'next', number> = {
  mark: 1,
  // `↻ REBOOT`
  state: 8,
  // `~47h59m`
  age: 7,
  // `11-24 22:10`
  started: 11,
  // `LATE in 47h59m`, `DEAD in 6h59m`: NEXT is never cut once its column is shown.
  next: 14,
};

/** Past these a column is cut with `…`: long names still leave room for the rest. */
const CAP = { name: 40, pool: 20, master: 16, muted: 28, action: 28 };
const NAME_MIN = 8;
const MESSAGE_MIN = 16;

/** First dropped first: the least needed to decide what to do next. */
const DROP_ORDER: ColumnKey[] = ['message', 'started', 'action', 'master', 'pool', 'muted', 'next'];

/** What the rows need; `action` is what is in flight on each slave (`downtime sent jdoe`). */
export function columnNeeds(
  rows: readonly Row[],
  inFlight: ReadonlyMap<string, string>,
  now: number,
): ColumnNeeds {
  const needs: ColumnNeeds = { name: 0, pool: 0, master: 0, muted: 0, action: 0, message: false };
  for (const row of rows) {
    needs.name = Math.max(needs.name, row.name.length);
    needs.pool = Math.max(needs.pool, row.pool?.length ?? 1);
    needs.master = Math.max(needs.master, row.master?.length ?? 1);
    if (row.muted || row.parked) needs.muted = Math.max(needs.muted, formatMuted(row).length);
    const action = inFlight.get(row.name) ?? formatAction(row, now);
    // Room for the reboot's clock to grow (`1s` to `59m59s` is 4 characters more).
    if (action) needs.action = Math.max(needs.action, action.length + (row.view.reboot ? 4 : 0));
    if (!needs.message && rowMessage(row) !== '') needs.message = true;
  }
  return needs;
}

/**
 * The columns that fit in `width` cells. Each takes what its data needs (at least its title, at
 * most its cap); when they do not all fit, columns go in DROP_ORDER, then the name is squeezed.
 * The message column takes the room left over.
 */
export function columnsFor(width: number, zone: string, needs: ColumnNeeds): Column[] {
  const widths = new Map<ColumnKey, number>();
  for (const key of COLUMN_KEYS) {
    const w = naturalWidth(key, zone, needs);
    if (w > 0) widths.set(key, w);
  }
  const used = () => [...widths.values()].reduce((sum, w) => sum + w + 1, -1);
  for (const key of DROP_ORDER) {
    if (used() <= width) break;
    widths.delete(key);
  }
  const name = widths.get('name')!;
  if (used() > width) widths.set('name', Math.max(name - (used() - width), NAME_MIN));
  if (widths.has('message')) widths.set('message', widths.get('message')! + width - used());
  return COLUMN_KEYS.filter((k) => widths.has(k)).map((key) => ({
    key,
    title: titleOf(key, zone),
    width: widths.get(key)!,
  }));
}

/** The width a column wants; 0 leaves it out. */
function naturalWidth(key: ColumnKey, zone: string, needs: ColumnNeeds): number {
  const title = titleOf(key, zone).length;
  switch (key) {
    case 'mark':
    case 'state':
    case 'age':
    case 'next':
    case 'started':
      return Math.max(FIXED[key], title);
    case 'name':
    case 'pool':
    case 'master':
      return Math.min(Math.max(needs[key], title), CAP[key]);
    case 'muted':
    case 'action':
      return needs[key] === 0 ? 0 : Math.min(Math.max(needs[key], title), CAP[key]);
    case 'message':
      return needs.message ? MESSAGE_MIN : 0;
  }
}

function titleOf(key: ColumnKey, zone: string): string {
  switch (key) {
    case 'mark':
      return '';
    case 'started':
      return `STARTED ${zone}`;
    case 'muted':
      return `MUTED ${zone}`;
    default:
      return key.toUpperCase();
  }
}
