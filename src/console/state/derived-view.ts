// The table as the operator sees it, derived from the slaves and the view settings: sorted,
// filtered, grouped into lines, counted, with the cursor and the window placed. Pure.
import { compileFilter, matchesStateFilter } from '../../domain/filter.js';
import { COMPARATORS, groupKey, type Grouping, type Row, type SortKey } from '../rows.js';
import {
  emptyCounts,
  type ConsoleData,
  type Counts,
  type DerivedView,
  type Line,
} from './console-data.js';
import { windowTop } from './visible-window.js';

/** What changed since the view was last derived, so only that work is redone. */
export interface ViewChange {
  /** The slaves or the order changed: sort and count again. */
  resort: boolean;
  /**
   * What is shown changed (filter, quick filter, sort, grouping): the window starts from the top
   * unless the cursor's slave is further down, and a cursor whose slave left goes to the first row.
   */
  fromTop?: boolean;
}

export type PlacedView = DerivedView & Pick<ConsoleData, 'cursor' | 'cursorName' | 'top'>;

/** Re-sorts (when asked), filters, groups and places the cursor and the window: the one derivation. */
export function deriveView(s: ConsoleData, change: ViewChange): PlacedView {
  const sorted = change.resort ? sortRows(s.slaves, s.sort, s.grouping) : s.sorted;
  const filter = compileFilter(s.filterText);
  const test = filter.ok ? filter.test : () => true;
  const visible = sorted.filter((r) => matchesStateFilter(s.stateFilter, r) && test(r));
  const lines = buildLines(visible, s.grouping, s.marks);
  const rowLines = rowLinesOf(lines);
  // The cursor follows its slave through re-sorts, except on the first row: there it stays,
  // so an operator who has not moved sees the worst slave under it as the farm changes.
  const pinned = s.cursor === 0 && s.top === 0;
  let cursor =
    pinned || s.cursorName === null ? -1 : visible.findIndex((r) => r.name === s.cursorName);
  if (cursor < 0) {
    cursor = change.fromTop ? 0 : Math.min(Math.max(s.cursor, 0), Math.max(visible.length - 1, 0));
  }
  return {
    sorted,
    visible,
    lines,
    rowLines,
    counts: change.resort ? countRows(s.slaves) : s.counts,
    hiddenMarks: hiddenMarks(s.marks, visible),
    cursor,
    cursorName: visible[cursor]?.name ?? null,
    filterError: filter.ok ? null : filter.error,
    top: windowTop(change.fromTop ? 0 : s.top, rowLines[cursor] ?? 0, s.pageSize, lines),
  };
}

/** Every row in the sort's order, grouped rows together (groups by name). */
export function sortRows(
  slaves: ReadonlyMap<string, Row>,
  sort: SortKey,
  grouping: Grouping,
): Row[] {
  const compare = COMPARATORS[sort];
  const rows = [...slaves.values()];
  if (grouping === 'none') return rows.sort(compare);
  return rows.sort((a, b) => {
    const ga = groupKey(a, grouping)!;
    const gb = groupKey(b, grouping)!;
    return ga < gb ? -1 : ga > gb ? 1 : compare(a, b);
  });
}

/** The visible rows with a header line before each group, counting its rows and marks. */
export function buildLines(
  visible: readonly Row[],
  grouping: Grouping,
  marks: ReadonlySet<string>,
): Line[] {
  const lines: Line[] = [];
  let header: Extract<Line, { kind: 'group' }> | null = null;
  visible.forEach((row, index) => {
    const key = groupKey(row, grouping);
    if (key !== null && key !== header?.key) {
      header = { kind: 'group', key, count: 0, marked: 0 };
      lines.push(header);
    }
    if (header) {
      header.count++;
      if (marks.has(row.name)) header.marked++;
    }
    lines.push({ kind: 'slave', row, index });
  });
  return lines;
}

/** The line each visible row sits on (group headers push rows down). */
export function rowLinesOf(lines: readonly Line[]): number[] {
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (l.kind === 'slave') out.push(i);
  });
  return out;
}

export function countRows(slaves: ReadonlyMap<string, Row>): Counts {
  const c = emptyCounts();
  for (const r of slaves.values()) {
    c[r.state]++;
    if (r.muted) c.muted++;
  }
  c.total = slaves.size;
  return c;
}

/** How many marks the filters hide from view: the footer always says so. */
export function hiddenMarks(marks: ReadonlySet<string>, visible: readonly Row[]): number {
  if (marks.size === 0) return 0;
  let shown = 0;
  for (const r of visible) if (marks.has(r.name)) shown++;
  return marks.size - shown;
}
