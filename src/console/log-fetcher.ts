// Feeds the action log pane: when it opens, fetches the collector's audit log
// (GET /api/v1/actions) to go with the actions streamed since the console started.
import type { ActionView } from '../domain/protocol.js';
import type { CaFile } from '../net/failure.js';
import { getJson } from '../net/get-json.js';
import type { ConsoleStore } from './store.js';

/** How many recent actions the pane asks for. */
export const LOG_LIMIT = 50;

export interface LogFetcherOptions {
  store: ConsoleStore;
  /** http(s)://host:port of the collector, read at each request (the console may move to another). */
  http: string;
  token?: string | undefined;
  ca?: CaFile | undefined;
}

export function startLogFetcher(opts: LogFetcherOptions): () => void {
  const { store } = opts;
  let open = false;
  let inflight: AbortController | null = null;

  const fetchLog = async () => {
    inflight?.abort();
    const ctrl = new AbortController();
    inflight = ctrl;
    store.getState().setLog({ status: 'loading' });
    try {
      const body = await getJson<{ actions: ActionView[] }>(
        `${opts.http}/api/v1/actions?limit=${LOG_LIMIT}`,
        { token: opts.token, ca: opts.ca, signal: ctrl.signal },
      );
      if (!ctrl.signal.aborted) store.getState().setLog({ status: 'ready', actions: body.actions });
    } catch (err) {
      if (ctrl.signal.aborted) return;
      const error = err instanceof Error ? err.message : String(err);
      store.getState().setLog({ status: 'error', error });
    }
  };

  const unsubscribe = store.subscribe((s) => {
    const wasOpen = open;
    // Set before fetching: the fetch updates the store, which calls this again at once.
    open = s.mode === 'log';
    if (open && !wasOpen) void fetchLog();
  });
  return () => {
    unsubscribe();
    inflight?.abort();
  };
}
