// Feeds the detail pane: fetches GET /api/v1/slaves/{name} when the cursor rests on a slave
// (debounced), and again when that slave changes in a delta.
import { parsePrintableJson } from '../domain/printable.js';
import type { ActionView } from '../domain/protocol.js';
import type { SlaveDetail } from '../domain/slave.js';
import type { ConsoleStore } from './store.js';

/** How many of the slave's recent actions the pane lists. */
export const ACTIONS_SHOWN = 5;

export interface DetailFetcherOptions {
  store: ConsoleStore;
  /** http(s)://host:port of the collector. */
  http: string;
  token?: string;
  debounceMs?: number;
}

export function startDetailFetcher(opts: DetailFetcherOptions): () => void {
  const { store } = opts;
  const debounceMs = opts.debounceMs ?? 200;
  let timer: NodeJS.Timeout | undefined;
  let inflight: AbortController | null = null;
  let wanted: { name: string; view: unknown; action: string | null } | null = null;

  const fetchNow = async (name: string) => {
    inflight?.abort();
    const ctrl = new AbortController();
    inflight = ctrl;
    const prev = store.getState().detail;
    if (prev?.name !== name)
      store.getState().setDetail({ name, status: 'loading', data: null, error: null });
    const get = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${opts.http}${path}`, {
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        signal: AbortSignal.any([ctrl.signal, AbortSignal.timeout(10_000)]),
      });
      if (!res.ok) throw new Error(`the collector answered ${res.status}`);
      // A slave's messages, Nagios comments: shown as text, never as terminal commands.
      return parsePrintableJson(await res.text()) as T;
    };
    const slug = encodeURIComponent(name);
    let detail: SlaveDetail;
    try {
      detail = (await get<{ slave: SlaveDetail }>(`/api/v1/slaves/${slug}`)).slave;
    } catch (err) {
      if (ctrl.signal.aborted) return;
      const message = err instanceof Error ? err.message : String(err);
      store.getState().setDetail({ name, status: 'error', data: null, error: message });
      return;
    }
    // The detail carries the slave's actions; a collector that does not gets asked its audit
    // log. The history is a bonus: without it the pane still shows the slave.
    let actions: ActionView[] | null = detail.actions ?? null;
    if (detail.actions === undefined) {
      try {
        const path = `/api/v1/actions?slave=${slug}&limit=${ACTIONS_SHOWN}`;
        actions = (await get<{ actions: ActionView[] }>(path)).actions;
      } catch {
        actions = null;
      }
    }
    if (ctrl.signal.aborted) return;
    store.getState().setDetail({ name, status: 'ready', data: detail, error: null, actions });
  };

  const check = () => {
    const s = store.getState();
    const row = s.detailOpen ? s.visible[s.cursor] : undefined;
    if (!row) {
      wanted = null;
      return;
    }
    // The view object changes only when a delta brought news of this slave; the in-flight
    // label when an action on it moved on.
    const action = s.inFlight.get(row.name) ?? null;
    if (wanted?.name === row.name && wanted.view === row.view && wanted.action === action) return;
    wanted = { name: row.name, view: row.view, action };
    clearTimeout(timer);
    timer = setTimeout(() => void fetchNow(row.name), debounceMs);
  };

  const unsubscribe = store.subscribe(check);
  check();
  return () => {
    unsubscribe();
    clearTimeout(timer);
    inflight?.abort();
  };
}
