// Feeds the detail pane: fetches GET /api/v1/slaves/{name} when the cursor rests on a slave
// (debounced), and again when that slave changes in a delta.
import type { SlaveDetail } from '../domain/slave.js';
import type { ConsoleStore } from './store.js';

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
  let wanted: { name: string; view: unknown } | null = null;

  const fetchNow = async (name: string) => {
    inflight?.abort();
    const ctrl = new AbortController();
    inflight = ctrl;
    const prev = store.getState().detail;
    if (prev?.name !== name)
      store.getState().setDetail({ name, status: 'loading', data: null, error: null });
    try {
      const res = await fetch(`${opts.http}/api/v1/slaves/${encodeURIComponent(name)}`, {
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        signal: AbortSignal.any([ctrl.signal, AbortSignal.timeout(10_000)]),
      });
      if (!res.ok) throw new Error(`the collector answered ${res.status}`);
      const body = (await res.json()) as { slave: SlaveDetail };
      if (!ctrl.signal.aborted) {
        store.getState().setDetail({ name, status: 'ready', data: body.slave, error: null });
      }
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
    // The view object changes only when a delta brought news of this slave.
    if (wanted?.name === row.name && wanted.view === row.view) return;
    wanted = { name: row.name, view: row.view };
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
