// Feeds the detail pane: fetches GET /api/v1/slaves/{name} when the cursor rests on a slave
// (debounced), and again when that slave changes in a delta.
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
      return (await res.json()) as T;
    };
    const slug = encodeURIComponent(name);
    const [slave, actions] = await Promise.allSettled([
      get<{ slave: SlaveDetail }>(`/api/v1/slaves/${slug}`),
      get<{ actions: ActionView[] }>(`/api/v1/actions?slave=${slug}&limit=${ACTIONS_SHOWN}`),
    ]);
    if (ctrl.signal.aborted) return;
    if (slave.status === 'rejected') {
      const err: unknown = slave.reason;
      const message = err instanceof Error ? err.message : String(err);
      store.getState().setDetail({ name, status: 'error', data: null, error: message });
      return;
    }
    store.getState().setDetail({
      name,
      status: 'ready',
      data: slave.value.slave,
      error: null,
      // The slave's own detail may carry its actions; else the audit log filtered to it. The
      // history is a bonus: a collector that cannot list actions still shows the slave.
      actions:
        (slave.value.slave as { actions?: ActionView[] }).actions ??
        (actions.status === 'fulfilled' ? actions.value.actions : null),
    });
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
