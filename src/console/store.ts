// The console's one store (vanilla zustand): slaves from the socket, the clock, and every view setting.
// Sorting, filtering and grouping happen here when data or settings change, never in React render.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { compileFilter, matchesStateFilter, type StateFilter } from '../domain/filter.js';
import {
  isRebootKind,
  type ActionRequest,
  type ActionTargetView,
  type ActionView,
  type AnyServerMessage,
  type ClientMessage,
  type RebootChains,
  type Role,
} from '../domain/protocol.js';
import type { SlaveDetail } from '../domain/slave.js';
import { SLAVE_STATES, type SlaveState } from '../domain/state.js';
import { DEFAULT_POLICY, type ThresholdPolicy } from '../domain/thresholds.js';
import {
  formRequest,
  isFormKind,
  newForm,
  type ActionForm,
  type KeyedKind,
} from './action-form.js';
import { inFlightWords, mergeLog } from './action-words.js';
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

export type Mode = 'table' | 'filter' | 'help' | 'actions' | 'form' | 'confirm' | 'log';

/** A request about to be sent: the operator reads it, may ask for the exact Nagios lines, then confirms. */
export interface Confirmation {
  request: ActionRequest;
  /** How many of the targets the current filters hide. */
  hidden: number;
  dryRun: {
    requestId: string;
    status: 'waiting' | 'ready' | 'error';
    lines: string[];
    /** Targets the collector says would fail, with why. */
    failing: ActionTargetView[];
    error: string | null;
  } | null;
  showLines: boolean;
  /** First Nagios line shown. */
  scroll: number;
}

/** The last action this console asked for: its progress shows in the status line. */
export interface OwnRequest {
  requestId: string;
  kind: ActionRequest['kind'];
  targets: number;
  /** The collector's id for it, once the first `action` message came back. */
  actionId: number | null;
  /** Why the collector refused it as a whole. */
  error: string | null;
}

export interface DetailState {
  name: string;
  status: 'loading' | 'ready' | 'error';
  data: SlaveDetail | null;
  error: string | null;
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
  /** What is in flight on each slave (`downtime sent jdoe`), from the unfinished actions. */
  inFlight: ReadonlyMap<string, string>;
  /**
   * Whether the collector is wired to Nagios, so it takes downtimes, rechecks and acks (hello's
   * `nagios`, else its older name `actions`; one that says neither is trusted and refuses itself).
   */
  nagios: boolean;
  /** The collector's reboot chains (method names); null when it has no reboot methods. */
  reboot: RebootChains | null;
  form: ActionForm | null;
  confirm: Confirmation | null;
  own: OwnRequest | null;
  /** Recent actions of every operator, newest first: streamed, and fetched when the log opens. */
  log: ActionView[];
  logStatus: 'idle' | 'loading' | 'ready' | 'error';
  logError: string | null;
  logCursor: number;
  /** One line for the operator (why a key did nothing, a send that failed); Esc clears it. */
  notice: string | null;
  /** Sends to the collector; false when not connected. The client installs it. */
  send: (message: ClientMessage) => boolean;
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
  /**
   * Opens the form (or, for a cancel or a reboot, the confirmation) on the marked slaves or the
   * cursor row.
   */
  openAction(kind: KeyedKind): void;
  setForm(form: ActionForm): void;
  /** Enter in the form: on to the confirmation, or the problems shown in red. */
  submitForm(): void;
  /** Asks the collector for the exact Nagios lines or commands (once), and shows or hides them. */
  toggleDryRun(): void;
  /** In a reboot's confirmation: also reboot the slaves muted in Nagios, or not. */
  toggleIncludeMuted(): void;
  scrollConfirm(delta: number): void;
  /** Sends the confirmed request; its progress then shows in the status line. */
  confirmAction(): void;
  cancelAction(): void;
  setLog(patch: { status: ConsoleData['logStatus']; actions?: ActionView[]; error?: string }): void;
  moveLogCursor(delta: number): void;
  setNotice(text: string | null): void;
  /** Esc in the table, last: forgets the notice and this console's last action's progress. */
  clearStatus(): void;
  setSender(send: (message: ClientMessage) => boolean): void;
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
      nagios: true,
      reboot: null,
      form: null,
      confirm: null,
      own: null,
      log: [],
      logStatus: 'idle',
      logError: null,
      logCursor: 0,
      notice: null,
      send: () => false,

      applyMessages(messages, localNow) {
        const s = get();
        let { policy, offsetMs, seq, you, marks, serverError, nagios, reboot, own, confirm, log } =
          s;
        let actions: Map<number, ActionView> | null = null;
        let slaves: Map<string, Row> | null = null;
        let needResync = false;
        let rethreshold = false;
        const rows = () => (slaves ??= new Map(s.slaves));
        for (const m of messages) {
          if (m.type === 'error') {
            if (m.requestId !== undefined && m.requestId === own?.requestId) {
              own = { ...own, error: m.error };
            } else if (m.requestId !== undefined && m.requestId === confirm?.dryRun?.requestId) {
              confirm = {
                ...confirm,
                dryRun: { ...confirm.dryRun, status: 'error', error: m.error },
              };
            } else serverError = m.error;
            continue;
          }
          if (m.type === 'action') {
            actions ??= new Map(s.actions);
            if (m.event === 'finished') actions.delete(m.action.id);
            else actions.set(m.action.id, m.action);
            log = mergeLog(log, [m.action]);
            if (m.requestId !== undefined && m.requestId === own?.requestId) {
              own = { ...own, actionId: m.action.id };
            }
            continue;
          }
          if (m.type === 'dry-run') {
            if (m.requestId !== undefined && m.requestId === confirm?.dryRun?.requestId) {
              const failing = m.targets.filter((t) => t.status === 'failed');
              const dryRun = {
                ...confirm.dryRun,
                status: 'ready' as const,
                lines: m.lines,
                failing,
              };
              confirm = { ...confirm, dryRun };
            }
            continue;
          }
          // Anything else that is not about slaves (a dry run's answer, a newer message) is not ours.
          if (m.type !== 'hello' && m.type !== 'snapshot' && m.type !== 'delta') continue;
          offsetMs = Date.parse(m.serverTime) - localNow;
          if (m.type === 'hello') {
            policy = m.thresholds;
            you = m.you;
            nagios = (m.nagios ?? m.actions) !== false;
            reboot = m.reboot ?? null;
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
            nagios,
            reboot,
            own,
            confirm,
            log,
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

      openAction(kind) {
        const s = get();
        const refusal = actRefusal(s, isRebootKind(kind) ? 'reboot' : 'nagios');
        if (refusal) {
          set({ notice: refusal });
          return;
        }
        // The marks in the order on screen (hidden ones too), so the first names are the worst.
        const targets =
          s.marks.size > 0
            ? s.sorted.filter((r) => s.marks.has(r.name)).map((r) => r.name)
            : s.cursorName !== null
              ? [s.cursorName]
              : [];
        if (targets.length === 0) {
          set({ notice: 'no slave to act on: move to one, or mark some (space, a)' });
          return;
        }
        const hidden = s.marks.size > 0 ? s.hiddenMarks : 0;
        if (isFormKind(kind)) {
          set({ mode: 'form', form: newForm(kind, targets, hidden), confirm: null, notice: null });
        } else {
          // Nothing to fill in: straight to the confirmation.
          const request: ActionRequest = { kind, targets };
          set({
            mode: 'confirm',
            form: null,
            confirm: newConfirmation(request, hidden),
            notice: null,
          });
        }
      },
      setForm(form) {
        set({ form });
      },
      submitForm() {
        const s = get();
        if (!s.form) return;
        const request = formRequest(s.form, s.now);
        if (request === null) set({ form: { ...s.form, tried: true } });
        else set({ mode: 'confirm', confirm: newConfirmation(request, s.form.hidden) });
      },
      toggleDryRun() {
        const s = get();
        const c = s.confirm;
        if (!c) return;
        if (c.dryRun && c.dryRun.status !== 'error') {
          set({ confirm: { ...c, showLines: !c.showLines } });
          return;
        }
        const requestId = nextRequestId();
        const sent = s.send({ type: 'action', requestId, ...c.request, dryRun: true });
        const dryRun = {
          requestId,
          status: sent ? ('waiting' as const) : ('error' as const),
          lines: [],
          failing: [],
          error: sent ? null : 'not connected to the collector',
        };
        set({ confirm: { ...c, dryRun, showLines: true, scroll: 0 } });
      },
      toggleIncludeMuted() {
        const c = get().confirm;
        if (c?.request.kind !== 'reboot') return;
        const includeMuted = !c.request.params?.includeMuted;
        const request = { ...c.request, params: includeMuted ? { includeMuted } : {} };
        // The exact commands depend on it: asked again when shown.
        set({ confirm: { ...c, request, dryRun: null, showLines: false, scroll: 0 } });
      },
      scrollConfirm(delta) {
        const c = get().confirm;
        if (!c?.dryRun) return;
        const max = Math.max(c.dryRun.lines.length - 1, 0);
        set({ confirm: { ...c, scroll: Math.min(Math.max(c.scroll + delta, 0), max) } });
      },
      confirmAction() {
        const s = get();
        const c = s.confirm;
        if (!c) return;
        const requestId = nextRequestId();
        const sent = s.send({ type: 'action', requestId, ...c.request });
        set({
          mode: 'table',
          form: null,
          confirm: null,
          notice: sent ? null : 'not connected to the collector: nothing was sent',
          own: sent
            ? {
                requestId,
                kind: c.request.kind,
                targets: c.request.targets.length,
                actionId: null,
                error: null,
              }
            : s.own,
        });
      },
      cancelAction() {
        set({ mode: 'table', form: null, confirm: null });
      },
      setLog({ status, actions, error }) {
        const s = get();
        set({
          logStatus: status,
          logError: error ?? null,
          ...(actions ? { log: mergeLog(s.log, actions) } : {}),
        });
      },
      moveLogCursor(delta) {
        const s = get();
        const max = Math.max(s.log.length - 1, 0);
        set({ logCursor: Math.min(Math.max(s.logCursor + delta, 0), max) });
      },
      setNotice(notice) {
        set({ notice });
      },
      clearStatus() {
        set({ notice: null, own: null });
      },
      setSender(send) {
        set({ send });
      },
    };
  });
}

/** Why this console may not act now (through Nagios, by rebooting, or at all), or null when it may. */
export function actRefusal(
  s: ConsoleData,
  through: 'nagios' | 'reboot' | 'any' = 'any',
): string | null {
  if (s.you === null) return 'not connected to the collector yet';
  if (s.you.role !== 'operator')
    return `your token (${s.you.role}) cannot act: an operator token can`;
  const nagios = s.nagios;
  const reboot = s.reboot !== null;
  if (through === 'nagios' && !nagios) {
    return 'this collector is not wired to Nagios (nagios.command_file): it cannot take Nagios actions';
  }
  if (through === 'reboot' && !reboot) {
    return 'this collector has no reboot methods (reboot.methods in corral.yaml): it cannot reboot';
  }
  if (through === 'any' && !nagios && !reboot) {
    return 'this collector is not wired to Nagios and has no reboot methods: it cannot take actions';
  }
  return null;
}

function newConfirmation(request: ActionRequest, hidden: number): Confirmation {
  return { request, hidden, dryRun: null, showLines: false, scroll: 0 };
}

/** Request ids unique to this console, so its answers are told apart from everyone else's. */
const consoleId = Math.random().toString(36).slice(2, 8);
let requestCount = 0;
function nextRequestId(): string {
  return `console-${consoleId}-${++requestCount}`;
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
    // A reboot in flight is in the slave's own state (`reboot ssh 2m`), said better there.
    if (isRebootKind(a.kind)) continue;
    for (const t of a.targets) {
      if (out.has(t.slave)) continue;
      if (t.status === 'pending' || t.status === 'sent') out.set(t.slave, inFlightWords(a, t));
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
