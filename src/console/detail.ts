// Feeds the detail pane: fetches GET /api/v1/slaves/{name} when the cursor rests on a slave
// (debounced), and again when that slave changes in a delta.
import type { SlaveDetail } from '../domain/slave.js';
import type { CaFile } from '../net/failure.js';
import { getJson } from '../net/get-json.js';
import type { ConsoleStore } from './store.js';

export interface DetailFetcherOptions {
  store: ConsoleStore;
  /** http(s)://host:port of the collector, read at each request (the console may move to another). */
  http: string;
  token?: string | undefined;
  ca?: CaFile | undefined;
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
    try {
      const { slave } = await getJson<{ slave: SlaveDetail }>(
        `${opts.http}/api/v1/slaves/${encodeURIComponent(name)}`,
        { token: opts.token, ca: opts.ca, signal: ctrl.signal },
      );
      if (ctrl.signal.aborted) return;
      store.getState().setDetail({ name, status: 'ready', data: slave, error: null });
    } catch (err) {
      if (ctrl.signal.aborted) return;
      const message = err instanceof Error ? err.message : String(err);
      store.getState().setDetail({ name, status: 'error', data: null, error: message });
    }
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
