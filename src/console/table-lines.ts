// The slave table as lines of text, pre-styled: the column titles, then the rows in the window
// (group headers and slaves), then blank lines to the table's height. The screen draws them.
import type { Column } from './layout.js';
import { truncate } from './format.js';
import { stateBreakdown } from './rows.js';
import { rowLine } from './components/SlaveRow.js';
import type { Paint } from './components/theme.js';
import type { ConsoleData, Line } from './store.js';

/** What of the store the table shows: a change elsewhere leaves its lines as they are. */
export type TableData = Pick<
  ConsoleData,
  'lines' | 'top' | 'cursor' | 'marks' | 'inFlight' | 'now' | 'connection' | 'counts'
>;

/** `height` rows under the titles, every line at most the columns' width. */
export function tableLines(
  s: TableData,
  columns: Column[],
  height: number,
  paint: Paint,
): string[] {
  const width = columns.reduce((sum, c) => sum + c.width + 1, -1);
  const out = [paint.style.bold(columns.map((c) => truncate(c.title, c.width)).join(' '))];
  const window = s.lines.slice(s.top, s.top + height);
  const stale = s.connection.status !== 'connected';
  if (window.length === 0) out.push(paint.style.dim(`  ${emptyTableText(s.counts.total)}`));
  for (const line of window) out.push(lineOf(line, s, columns, width, stale, paint));
  while (out.length < height + 1) out.push('');
  return out;
}

function lineOf(
  line: Line,
  s: TableData,
  columns: Column[],
  width: number,
  stale: boolean,
  paint: Paint,
): string {
  if (line.kind === 'group') {
    return paint.style.bold(paint.color.blue(truncate(groupTitle(line), width).trimEnd()));
  }
  return rowLine(
    {
      row: line.row,
      columns,
      now: s.now,
      selected: line.index === s.cursor,
      marked: s.marks.has(line.row.name),
      action: s.inFlight.get(line.row.name) ?? null,
      stale,
    },
    paint,
  );
}

/** A group's header line: `── talos-r3-fed (12, 3 marked)`. */
export function groupTitle(line: Extract<Line, { kind: 'group' }>): string {
  const marked = line.marked > 0 ? `, ${line.marked} marked` : '';
  return `── ${line.key} (${line.count}: ${stateBreakdown(line.states)}${marked})`;
}

/** What the table says when it has no line to show. */
export function emptyTableText(total: number): string {
  return total === 0 ? 'no slaves yet' : 'no slave matches the filters';
}

/** Whether the table would draw the same lines for both (the fields it shows are the same objects). */
export function sameTable(a: TableData, b: TableData): boolean {
  return (
    a.lines === b.lines &&
    a.top === b.top &&
    a.cursor === b.cursor &&
    a.marks === b.marks &&
    a.inFlight === b.inFlight &&
    a.now === b.now &&
    a.connection.status === b.connection.status &&
    a.counts.total === b.counts.total
  );
}
