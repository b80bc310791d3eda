// Which table columns fit the terminal: narrow terminals drop columns in a fixed order instead of wrapping.

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
] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

export interface Column {
  key: ColumnKey;
  title: string;
  width: number;
}

const WIDTHS: Record<ColumnKey, number> = {
  mark: 2,
  state: 9,
  name: 24,
  pool: 16,
  master: 10,
  age: 7,
  started: 12,
  next: 13,
  muted: 14,
  action: 16,
};

/** First dropped first: the least needed to decide what to do next. */
const DROP_ORDER: ColumnKey[] = ['started', 'action', 'master', 'pool', 'muted', 'next'];

const NAME_MAX = 40;
const NAME_MIN = 8;

/**
 * The columns that fit in `width` cells, the name column taking what is left (up to a limit).
 * The action column only appears while something is in flight somewhere: it is empty otherwise.
 */
export function columnsFor(width: number, zone: string, withAction: boolean): Column[] {
  const keys = new Set<ColumnKey>(COLUMN_KEYS);
  if (!withAction) keys.delete('action');
  const used = () => [...keys].reduce((sum, k) => sum + WIDTHS[k] + 1, 0);
  for (const key of DROP_ORDER) {
    if (used() <= width) break;
    keys.delete(key);
  }
  // The name takes what is left; a terminal narrower than the kept columns squeezes it.
  const nameWidth = Math.min(Math.max(WIDTHS.name + width - used(), NAME_MIN), NAME_MAX);
  return COLUMN_KEYS.filter((k) => keys.has(k)).map((key) => ({
    key,
    title: titleOf(key, zone),
    width: key === 'name' ? nameWidth : WIDTHS[key],
  }));
}

function titleOf(key: ColumnKey, zone: string): string {
  switch (key) {
    case 'mark':
      return '';
    case 'started':
      return `STARTED ${zone}`;
    case 'next':
      return 'NEXT';
    case 'muted':
      return `MUTED ${zone}`;
    case 'action':
      return 'ACTION';
    default:
      return key.toUpperCase();
  }
}
