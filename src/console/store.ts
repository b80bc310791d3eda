// The console's one store (vanilla zustand), assembled from the pieces in state/: the data and
// its derived view (sorted, filtered, grouped when data or settings change, never in render),
// the stream's messages, the table's and the action flow's slices. Each store owns all its state.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ActionView, AnyServerMessage, ClientMessage } from '../domain/protocol.js';
import { mergeLog } from './action-words.js';
import { actionDetail } from './log-lines.js';
import { retickAll } from './rows.js';
import { actionFlowSlice, type ActionFlowActions } from './state/action-flow.js';
import {
  initialData,
  type ConsoleData,
  type Connection,
  type DetailState,
  type Mode,
} from './state/console-data.js';
import { deriveView, type ViewChange } from './state/derived-view.js';
import { applyServerMessages } from './state/server-messages.js';
import type { SliceTools } from './state/slice.js';
import { tableSlice, type TableActions } from './state/table-slice.js';

export type {
  Confirmation,
  ConsoleData,
  Connection,
  Counts,
  DetailState,
  Line,
  Mode,
  OwnRequest,
} from './state/console-data.js';
export { emptyCounts } from './state/console-data.js';
export { actRefusal } from './state/action-flow.js';
export { windowTop } from './state/visible-window.js';

/** The stream's and the clock's part: what the feeds (client.ts, ticker.ts) call. */
export interface FeedActions {
  /** Applies socket messages received since the last flush in one update; true when a resync is needed. */
  applyMessages(messages: AnyServerMessage[], localNow: number): { needResync: boolean };
  tick(localNow: number): void;
  setConnection(c: Partial<Connection> & Pick<Connection, 'status'>, localNow: number): void;
  setSender(send: (message: ClientMessage) => boolean): void;
  /** Which collector the console is on, as the header shows it (it changes when one is lost). */
  setCollector(url: string): void;
}

/** The panes' part: what is open, the detail and the log as their fetchers bring them, the notice. */
export interface PaneActions {
  setMode(m: Mode): void;
  setDetailOpen(open: boolean): void;
  setDetail(d: DetailState | null): void;
  setLog(patch: { status: ConsoleData['logStatus']; actions?: ActionView[]; error?: string }): void;
  moveLogCursor(delta: number): void;
  /** `L`: the action log, on the newest action. */
  openLog(): void;
  /** PgUp/PgDn in the log: scrolls the selected action's targets. */
  scrollLog(delta: number): void;
  /** `H`: the hygiene view, on its first item. */
  openHygiene(): void;
  moveHygieneCursor(delta: number): void;
  setNotice(text: string | null): void;
  /** Esc in the table, last: forgets the notice and this console's last action's progress. */
  clearStatus(): void;
}

export type ConsoleActions = FeedActions & TableActions & ActionFlowActions & PaneActions;
export type ConsoleState = ConsoleData & ConsoleActions;
export type ConsoleStore = StoreApi<ConsoleState>;

export function createConsoleStore(url: string, localNow = Date.now()): ConsoleStore {
  return createStore<ConsoleState>()((set, get) => {
    const update = (patch: Partial<ConsoleData>, change: ViewChange) => {
      set({ ...patch, ...deriveView({ ...get(), ...patch }, change) });
    };
    const tools: SliceTools = { get, set, update };
    return {
      ...initialData(url, localNow),
      ...feedSlice(tools),
      ...tableSlice(tools),
      ...actionFlowSlice(tools),
      ...paneSlice(tools),
    };
  });
}

function feedSlice({ get, set, update }: SliceTools): FeedActions {
  return {
    applyMessages(messages, localNow) {
      const { patch, slavesChanged, needResync } = applyServerMessages(get(), messages, localNow);
      update(patch, { resort: slavesChanged });
      return { needResync };
    },
    tick(localNow) {
      const s = get();
      const now = localNow + s.offsetMs;
      const slaves = retickAll(s.slaves, now);
      if (slaves !== s.slaves) update({ now, slaves }, { resort: true });
      else set({ now });
    },
    setConnection(c, localNow) {
      const prev = get().connection;
      // Counts from the last change between connected and not, so a reconnect attempt keeps the outage's start.
      const since =
        (c.status === 'connected') === (prev.status === 'connected') ? prev.since : localNow;
      set({ connection: { since, error: null, retryAt: null, ...c } });
    },
    setSender(send) {
      set({ send });
    },
    setCollector(url) {
      set({ url });
    },
  };
}

function paneSlice({ get, set }: SliceTools): PaneActions {
  return {
    setMode(mode) {
      set({ mode });
    },
    setDetailOpen(detailOpen) {
      set({ detailOpen });
    },
    setDetail(detail) {
      set({ detail });
    },
    setLog({ status, actions, error }) {
      set({
        logStatus: status,
        logError: error ?? null,
        ...(actions ? { log: mergeLog(get().log, actions) } : {}),
      });
    },
    moveLogCursor(delta) {
      const s = get();
      const max = Math.max(s.log.length - 1, 0);
      set({ logCursor: Math.min(Math.max(s.logCursor + delta, 0), max), logScroll: 0 });
    },
    openLog() {
      set({ mode: 'log', logCursor: 0, logScroll: 0 });
    },
    scrollLog(delta) {
      const s = get();
      const selected = s.log[s.logCursor];
      const max = selected ? Math.max(actionDetail(selected).lines.length - 1, 0) : 0;
      set({ logScroll: Math.min(Math.max(s.logScroll + delta, 0), max) });
    },
    openHygiene() {
      set({ mode: 'hygiene', hygieneCursor: 0 });
    },
    moveHygieneCursor(delta) {
      const s = get();
      const max = Math.max(s.hygiene.length - 1, 0);
      set({ hygieneCursor: Math.min(Math.max(s.hygieneCursor + delta, 0), max) });
    },
    setNotice(notice) {
      set({ notice });
    },
    clearStatus() {
      set({ notice: null, own: null });
    },
  };
}
