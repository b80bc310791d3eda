// One slave as a table line: mark, state, name, pool, master, age, start, next change, muted, action,
// the critical message (or, parked, why).
// The line is one pre-styled string: one Ink node a row keeps a frame as cheap as a bare list's.
import { Text } from 'ink';
import { memo, useMemo } from 'react';
import {
  STATE_COLORS,
  STATE_MARKS,
  formatAction,
  formatMuted,
  formatNext,
  formatRowAge,
  formatStamp,
  rowMessage,
  truncate,
  truncateMiddle,
} from '../format.js';
import type { Column } from '../layout.js';
import type { Row } from '../rows.js';
import { paintFor, useColor, type Paint } from './theme.js';

export interface SlaveRowProps {
  row: Row;
  columns: Column[];
  now: number;
  selected: boolean;
  marked: boolean;
  /** An action in flight on the slave (`downtime sent jdoe`), from the collector's action messages. */
  action: string | null;
  stale: boolean;
}

export const SlaveRow = memo(function SlaveRow(props: SlaveRowProps) {
  const color = useColor();
  const paint = useMemo(() => paintFor(color), [color]);
  return <Text wrap="truncate">{rowLine(props, paint)}</Text>;
});

export function rowLine(
  { row, columns, now, selected, marked, action, stale }: SlaveRowProps,
  paint: Paint,
): string {
  // Bold and dim share one reset code (SGR 22): a bold cell would end a dimmed row's dimness.
  const dimmed = row.muted || stale;
  const bold = (text: string) => (dimmed ? text : paint.style.bold(text));
  const cells = columns.map((c) => {
    const raw = cellText(c.key, row, now, marked, stale, action);
    const text = c.key === 'name' ? truncateMiddle(raw, c.width) : truncate(raw, c.width);
    // A muted row keeps its state's colour, dimmed with the row: a muted CRIT still reads as one.
    if (c.key === 'state') return bold(paint.color[colorName(row)](text));
    if (c.key === 'mark' && marked) return bold(paint.color.cyan(text));
    if (c.key === 'next' && row.state === 'late') return paint.color.yellow(text);
    if (c.key === 'action' && raw !== '') return paint.color.cyan(text);
    if ((c.key === 'message' || c.key === 'muted') && row.reviewDue)
      return paint.color.yellow(text);
    return text;
  });
  // Trailing blanks cost Ink per character every frame; only the cursor bar needs the full width.
  let line = selected ? cells.join(' ') : cells.join(' ').trimEnd();
  if (dimmed) line = paint.style.dim(line);
  if (selected) line = paint.style.inverse(line);
  return line;
}

function colorName(row: Row) {
  return STATE_COLORS[row.state] as 'red';
}

function cellText(
  key: Column['key'],
  row: Row,
  now: number,
  marked: boolean,
  stale: boolean,
  action: string | null,
): string {
  switch (key) {
    case 'mark':
      return marked ? '◆' : ' ';
    case 'state':
      return STATE_MARKS[row.state];
    case 'name':
      return row.name;
    case 'pool':
      return row.pool ?? '-';
    case 'master':
      return row.master ?? '-';
    case 'age':
      // Stale ages keep ticking but say they are a guess.
      return stale && row.lastStart !== null
        ? `~${formatRowAge(row, now)}`
        : formatRowAge(row, now);
    case 'started':
      return row.lastStart === null ? '-' : formatStamp(row.lastStart);
    case 'next':
      return formatNext(row, now);
    case 'muted':
      return formatMuted(row);
    case 'action':
      return action ?? formatAction(row, now);
    case 'message':
      return rowMessage(row);
  }
}
