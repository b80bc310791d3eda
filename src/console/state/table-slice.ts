// The table's part of the store: the cursor and its window, marks, filters (the cause's too), sort
// and grouping.
import { nextCauseFilter } from '../cause-filter.js';
import { GROUPINGS, SORT_KEYS, type SortKey } from '../rows.js';
import type { QuickFilter } from '../triage.js';
import type { SliceTools } from './slice.js';
import { windowTop } from './visible-window.js';

export interface TableActions {
  moveCursor(delta: number): void;
  moveTo(index: number): void;
  setPageSize(rows: number): void;
  toggleMark(): void;
  markVisible(): void;
  clearMarks(): void;
  setFilterText(text: string): void;
  setStateFilter(f: QuickFilter): void;
  /** The cause key: only the next cause's slaves (the first, then each next), then all again. */
  nextCause(): void;
  clearCauseFilter(): void;
  cycleSort(): void;
  setSort(k: SortKey): void;
  cycleGrouping(): void;
  /**
   * The cursor on this slave; the filters that hide it are cleared first. False when the
   * collector has no such slave.
   */
  showSlave(name: string): boolean;
}

export function tableSlice({ get, set, update }: SliceTools): TableActions {
  const moveTo = (index: number) => {
    const s = get();
    const cursor = Math.min(Math.max(index, 0), Math.max(s.visible.length - 1, 0));
    set({
      cursor,
      cursorName: s.visible[cursor]?.name ?? null,
      top: windowTop(s.top, s.rowLines[cursor] ?? 0, s.pageSize, s.lines),
    });
  };
  const next = <T>(list: readonly T[], current: T): T =>
    list[(list.indexOf(current) + 1) % list.length]!;

  return {
    moveCursor(delta) {
      moveTo(get().cursor + delta);
    },
    moveTo,
    setPageSize(rows) {
      const s = get();
      const pageSize = Math.max(1, rows);
      if (pageSize === s.pageSize) return;
      set({ pageSize, top: windowTop(s.top, s.rowLines[s.cursor] ?? 0, pageSize, s.lines) });
    },

    toggleMark() {
      const s = get();
      const row = s.visible[s.cursor];
      if (!row) return;
      const marks = new Set(s.marks);
      if (marks.has(row.name)) marks.delete(row.name);
      else marks.add(row.name);
      update({ marks }, { resort: false });
      moveTo(get().cursor + 1);
    },
    markVisible() {
      const s = get();
      const marks = new Set(s.marks);
      for (const r of s.visible) marks.add(r.name);
      update({ marks }, { resort: false });
    },
    clearMarks() {
      update({ marks: new Set() }, { resort: false });
    },

    // The same filter again changes nothing, so the window stays where it is.
    setFilterText(filterText) {
      if (filterText !== get().filterText) update({ filterText }, { resort: false, fromTop: true });
    },
    setStateFilter(stateFilter) {
      if (stateFilter !== get().stateFilter)
        update({ stateFilter }, { resort: false, fromTop: true });
    },
    nextCause() {
      const s = get();
      const causeFilter = nextCauseFilter(s.causeFilter, s.causes);
      // Exactly the cause's slaves: no other filter may hide some of them.
      const others = causeFilter ? { filterText: '', stateFilter: 'all' as const } : {};
      update({ causeFilter, ...others }, { resort: false, fromTop: true });
    },
    clearCauseFilter() {
      update({ causeFilter: null }, { resort: false, fromTop: true });
    },
    cycleSort() {
      update({ sort: next(SORT_KEYS, get().sort) }, { resort: true, fromTop: true });
    },
    setSort(sort) {
      update({ sort }, { resort: true, fromTop: true });
    },
    cycleGrouping() {
      update({ grouping: next(GROUPINGS, get().grouping) }, { resort: true, fromTop: true });
    },
    showSlave(name) {
      const s = get();
      if (!s.slaves.has(name)) return false;
      if (!s.visible.some((r) => r.name === name)) {
        update(
          { filterText: '', stateFilter: 'all', causeFilter: null },
          { resort: false, fromTop: true },
        );
      }
      moveTo(get().visible.findIndex((r) => r.name === name));
      return true;
    },
  };
}
