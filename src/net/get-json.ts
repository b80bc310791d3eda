// A GET of JSON from the collector for the console's panes: the token and CA, and any failure as
// an Error whose message fits in a pane's one line. What comes back is made printable: a slave's
// messages and Nagios comments are shown as text, never obeyed as terminal commands.
import { parsePrintableJson } from '../domain/printable.js';
import type { CaFile } from './failure.js';
import { request } from './request.js';

export interface GetOptions {
  token?: string | undefined;
  ca?: CaFile | undefined;
  signal: AbortSignal;
}

export async function getJson<T>(url: string, opts: GetOptions): Promise<T> {
  const { status, text } = await request(url, {
    headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    signal: opts.signal,
    ca: opts.ca,
  });
  if (status < 200 || status >= 300) throw new Error(`the collector answered ${status}`);
  return parsePrintableJson(text) as T;
}
