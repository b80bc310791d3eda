// The console's one store (vanilla zustand): slaves from the socket, the clock, and every view setting.
// Sorting, filtering and grouping happen here when data or settings change, never in React render.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { compileFilter, matchesStateFilter, type StateFilter } from '../domain/filter.js';
import type { ActionView, AnyServerMessage, Role } from '../domain/protocol.js';
import type { SlaveDetail } from '../domain/slave.js';
import { SLAVE_STATES, type SlaveState } from '../domain/state.js';
import { DEFAULT_POLICY, type ThresholdPolicy } from '../domain/thresholds.js';
import {
  COMPARATORS,
  GROUPINGS,
  SORT_KEYS,
  groupKey,
  retick,
  toRow,
  type Grouping,
  type Row,
  type SortKey,
} from './rows.js';

export type Line =
  | { kind: 'group'; key: string; count: number; marked: number }
  | { kind: 'slave'; row: Row; index: number };

export type Counts = Record<SlaveState, number> & { muted: number; total: number };

export interface Connection {
  status: 'connecting' | 'connected' | 'disconnected';
  /** Local epoch ms of the last change to or from connected: the banner says how long it has been down. */
  since: number;
  error: string | null;
  /** Local epoch ms of the next reconnect attempt while disconnected. */
  retryAt: number | null;
}

export type Mode = 'table' | 'filter' | 'help' | 'actions';

export interface DetailState {
  name: string;
  status: 'loading' | 'ready' | 'error';
  data: SlaveDetail | null;
  error: string | null;
  /** The slave's recent actions, newest first; null when the collector could not say. */
  actions?: ActionView[] | null;
}

export interface ConsoleData {
  url: string;
  connection: Connection;
  you: { name: string; role: Role } | null;
  policy: ThresholdPolicy;
  /** Server clock minus local clock, from the last hello/snapshot/delta. */
  offsetMs: number;
  /** The server's clock as the console last ticked it (epoch ms). */
  now: number;
  seq: number | null;
  slaves: ReadonlyMap<string, Row>;
  /** All rows in the current sort and grouping, unfiltered. */
  sorted: Row[];
  /** What the filters let through, in order; the cursor indexes this. */
  visible: Row[];
  /** visible with group headers; what the table draws. */
  lines: Line[];
  /** rowLines[i] is the line of visible[i]. */
  rowLines: number[];
  counts: Counts;
  /** Marks the filters hide: the footer always says how many. */
  hiddenMarks: number;
  cursor: number;
  cursorName: string | null;
  /** First line of the table window. */
  top: number;
  pageSize: number;
  /** Marked slave names; filters never prune them, only a slave leaving the collector does. */
  marks: ReadonlySet<string>;
  filterText: string;
  filterError: string | null;
  stateFilter: StateFilter;
  sort: SortKey;
  grouping: Grouping;
  mode: Mode;
  detailOpen: boolean;
  detail: DetailState | null;
  serverError: string | null;
  /** Actions not finished yet, by id, as the collector streams them. */
  actions: ReadonlyMap<number, ActionView>;
  /** What is in flight on each slave (`downtime sent`), from the unfinished actions. */
  inFlight: ReadonlyMap<string, string>;
}

export interface ConsoleActions {
  /** Applies socket messages received since the last flush in one update; true when a resync is needed. */
  applyMessages(messages: AnyServerMessage[], localNow: number): { needResync: boolean };
  tick(localNow: number): void;
  setConnection(c: Partial<Connection> & Pick<Connection, 'status'>, localNow: number): void;
  moveCursor(delta: number): void;
  moveTo(index: number): void;
  setPageSize(rows: number): void;
  toggleMark(): void;
  markVisible(): void;
  clearMarks(): void;
  setFilterText(text: string): void;
  setStateFilter(f: StateFilter): void;
  cycleSort(): void;
  setSort(k: SortKey): void;
  cycleGrouping(): void;
  setMode(m: Mode): void;
  setDetailOpen(open: boolean): void;
  setDetail(d: DetailState | null): void;
}

export type ConsoleState = ConsoleData & ConsoleActions;
export type ConsoleStore = StoreApi<ConsoleState>;

export function emptyCounts(): Counts {
  const c = { muted: 0, total: 0 } as Counts;
  for (const s of SLAVE_STATES) c[s] = 0;
  return c;
}

export function createConsoleStore(url: string, localNow = Date.now()): ConsoleStore {
  return createStore<ConsoleState>()((set, get) => {
    /** Re-sorts (when asked), filters, groups and places the cursor: the one derivation. */
    const derive = (s: ConsoleData, resort: boolean): Partial<ConsoleData> => {
      const sorted = resort ? sortRows(s.slaves, s.sort, s.grouping) : s.sorted;
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
      if (cursor < 0) cursor = Math.min(Math.max(s.cursor, 0), Math.max(visible.length - 1, 0));
      const counts = resort ? countRows(s.slaves) : s.counts;
      return {
        sorted,
        visible,
        lines,
        rowLines,
        counts,
        hiddenMarks: hiddenMarks(s.marks, visible),
        cursor,
        cursorName: visible[cursor]?.name ?? null,
        filterError: filter.ok ? null : filter.error,
        top: windowTop(s.top, rowLines[cursor] ?? 0, s.pageSize, lines),
      };
    };
    const update = (patch: Partial<ConsoleData>, resort: boolean) => {
      const next = { ...get(), ...patch };
      set({ ...patch, ...derive(next, resort) });
    };
    const moveTo = (index: number) => {
      const s = get();
      const cursor = Math.min(Math.max(index, 0), Math.max(s.visible.length - 1, 0));
      set({
        cursor,
        cursorName: s.visible[cursor]?.name ?? null,
        top: windowTop(s.top, s.rowLines[cursor] ?? 0, s.pageSize, s.lines),
      });
    };

    return {
      url,
      connection: { status: 'connecting', since: localNow, error: null, retryAt: null },
      you: null,
      policy: DEFAULT_POLICY,
      offsetMs: 0,
      now: localNow,
      seq: null,
      slaves: new Map(),
      sorted: [],
      visible: [],
      lines: [],
      rowLines: [],
      counts: emptyCounts(),
      hiddenMarks: 0,
      cursor: 0,
      cursorName: null,
      top: 0,
      pageSize: 20,
      marks: new Set(),
      filterText: '',
      filterError: null,
      stateFilter: 'all',
      sort: 'state',
      grouping: 'none',
      mode: 'table',
      detailOpen: false,
      detail: null,
      serverError: null,
      actions: new Map(),
      inFlight: new Map(),

      applyMessages(messages, localNow) {
        const s = get();
        let { policy, offsetMs, seq, you, marks, serverError } = s;
        let actions: Map<number, ActionView> | null = null;
        let slaves: Map<string, Row> | null = null;
        let needResync = false;
        let rethreshold = false;
        const rows = () => (slaves ??= new Map(s.slaves));
        for (const m of messages) {
          if (m.type === 'error') {
            serverError = m.error;
            continue;
          }
          if (m.type === 'action') {
            actions ??= new Map(s.actions);
            if (m.event === 'finished') actions.delete(m.action.id);
            else actions.set(m.action.id, m.action);
            continue;
          }
          // Anything else that is not about slaves (a dry run's answer, a newer message) is not ours.
          if (m.type !== 'hello' && m.type !== 'snapshot' && m.type !== 'delta') continue;
          offsetMs = Date.parse(m.serverTime) - localNow;
          if (m.type === 'hello') {
            policy = m.thresholds;
            you = m.you;
            rethreshold = true;
          } else if (m.type === 'snapshot') {
            const now = localNow + offsetMs;
            slaves = new Map(m.slaves.map((v) => [v.name, toRow(v, policy, now)]));
            seq = m.seq;
            needResync = false;
          } else if (seq === null || m.seq !== seq + 1) {
            // A gap: drop deltas until the fresh snapshot arrives.
            needResync = true;
            seq = null;
          } else {
            const now = localNow + offsetMs;
            const map = rows();
            for (const v of m.changed) map.set(v.name, toRow(v, policy, now));
            for (const name of m.removed) map.delete(name);
            seq = m.seq;
          }
        }
        const now = localNow + offsetMs;
        if (rethreshold && slaves === null && s.slaves.size > 0) {
          slaves = new Map([...s.slaves].map(([k, r]) => [k, toRow(r.view, policy, now)]));
        }
        if (slaves !== null) marks = pruneMarks(marks, slaves);
        update(
          {
            policy,
            offsetMs,
            seq,
            you,
            marks,
            serverError,
            now,
            ...(slaves !== null ? { slaves } : {}),
            ...(actions !== null ? { actions, inFlight: inFlightOf(actions) } : {}),
          },
          slaves !== null,
        );
        return { needResync };
      },

      tick(localNow) {
        const s = get();
        const now = localNow + s.offsetMs;
        let changed: Map<string, Row> | null = null;
        for (const [name, row] of s.slaves) {
          const next = retick(row, now);
          if (next !== row) (changed ??= new Map(s.slaves)).set(name, next);
        }
        if (changed) update({ now, slaves: changed }, true);
        else set({ now });
      },

      setConnection(c, localNow) {
        const prev = get().connection;
        // Counts from the last change between connected and not, so a reconnect attempt keeps the outage's start.
        const since =
          (c.status === 'connected') === (prev.status === 'connected') ? prev.since : localNow;
        set({ connection: { since, error: null, retryAt: null, ...c } });
      },

      moveCursor(delta) {
        moveTo(get().cursor + delta);
      },
      moveTo,
      setPageSize(rows) {
        const s = get();
        const pageSize = Math.max(1, rows);
        if (pageSize === s.pageSize) return;
        set({
          pageSize,
          top: windowTop(s.top, s.rowLines[s.cursor] ?? 0, pageSize, s.lines),
        });
      },

      toggleMark() {
        const s = get();
        const row = s.visible[s.cursor];
        if (!row) return;
        const marks = new Set(s.marks);
        if (marks.has(row.name)) marks.delete(row.name);
        else marks.add(row.name);
        update({ marks }, false);
        moveTo(get().cursor + 1);
      },
      markVisible() {
        const s = get();
        const marks = new Set(s.marks);
        for (const r of s.visible) marks.add(r.name);
        update({ marks }, false);
      },
      clearMarks() {
        update({ marks: new Set() }, false);
      },

      setFilterText(filterText) {
        update({ filterText }, false);
      },
      setStateFilter(stateFilter) {
        update({ stateFilter }, false);
      },
      cycleSort() {
        const s = get();
        update({ sort: SORT_KEYS[(SORT_KEYS.indexOf(s.sort) + 1) % SORT_KEYS.length]! }, true);
      },
      setSort(sort) {
        update({ sort }, true);
      },
      cycleGrouping() {
        const s = get();
        const grouping = GROUPINGS[(GROUPINGS.indexOf(s.grouping) + 1) % GROUPINGS.length]!;
        update({ grouping }, true);
      },
      setMode(mode) {
        set({ mode });
      },
      setDetailOpen(detailOpen) {
        set({ detailOpen });
      },
      setDetail(detail) {
        set({ detail });
      },
    };
  });
}

function sortRows(slaves: ReadonlyMap<string, Row>, sort: SortKey, grouping: Grouping): Row[] {
  const compare = COMPARATORS[sort];
  const rows = [...slaves.values()];
  if (grouping === 'none') return rows.sort(compare);
  return rows.sort((a, b) => {
    const ga = groupKey(a, grouping)!;
    const gb = groupKey(b, grouping)!;
    return ga < gb ? -1 : ga > gb ? 1 : compare(a, b);
  });
}

function buildLines(visible: Row[], grouping: Grouping, marks: ReadonlySet<string>): Line[] {
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
function rowLinesOf(lines: Line[]): number[] {
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (l.kind === 'slave') out.push(i);
  });
  return out;
}

/**
 * Keeps the cursor's line inside the window, moving the window as little as possible, and
 * shows the group header of a cursor on its group's first row.
 */
export function windowTop(
  top: number,
  cursorLine: number,
  pageSize: number,
  lines: Line[],
): number {
  const first =
    lines[cursorLine - 1]?.kind === 'group' && pageSize > 1 ? cursorLine - 1 : cursorLine;
  let t = top;
  if (first < t) t = first;
  if (cursorLine >= t + pageSize) t = cursorLine - pageSize + 1;
  t = Math.min(t, Math.max(lines.length - pageSize, 0));
  return Math.max(t, 0);
}

/** Each slave's unsettled target in the newest unfinished action: `downtime sent`. */
function inFlightOf(actions: ReadonlyMap<number, ActionView>): Map<string, string> {
  const out = new Map<string, string>();
  const newestFirst = [...actions.values()].sort((a, b) => b.id - a.id);
  for (const a of newestFirst) {
    for (const t of a.targets) {
      if (out.has(t.slave)) continue;
      if (t.status === 'pending' || t.status === 'sent') out.set(t.slave, `${a.kind} ${t.status}`);
    }
  }
  return out;
}

function countRows(slaves: ReadonlyMap<string, Row>): Counts {
  const c = emptyCounts();
  for (const r of slaves.values()) {
    c[r.state]++;
    if (r.muted) c.muted++;
  }
  c.total = slaves.size;
  return c;
}

function pruneMarks(
  marks: ReadonlySet<string>,
  slaves: ReadonlyMap<string, Row>,
): ReadonlySet<string> {
  if ([...marks].every((m) => slaves.has(m))) return marks;
  return new Set([...marks].filter((m) => slaves.has(m)));
}

/** How many marks the filters hide from view: the footer always says so. */
function hiddenMarks(marks: ReadonlySet<string>, visible: Row[]): number {
  if (marks.size === 0) return 0;
  let shown = 0;
  for (const r of visible) if (marks.has(r.name)) shown++;
  return marks.size - shown;
}
