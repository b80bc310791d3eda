// A GET of JSON from the collector for the console's panes: the token and CA, and any failure as
// an Error whose message fits in a pane's one line. What comes back is made printable: a slave's
// messages and Nagios comments are shown as text, never obeyed as terminal commands.
import { parsePrintableJson } from '../domain/printable.js';
import type { CaFile } from './failure.js';
import { request } from './request.js';

export interface GetOptions {
  token?: string | undefined;
  ca?: CaFile | undefined;
  /** Given up when this aborts (the pane moved on), or after `timeoutMs`. */
  signal: AbortSignal;
  timeoutMs?: number;
}

export async function getJson<T>(url: string, opts: GetOptions): Promise<T> {
  const { status, text } = await request(url, {
    token: opts.token,
    signal: AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs ?? 10_000)]),
    ca: opts.ca,
  });
  if (status < 200 || status >= 300) throw new Error(`the collector answered ${status}`);
  return parsePrintableJson(text) as T;
}
