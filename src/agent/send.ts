// One bounded POST of heartbeats to the first listed collector that takes it, and what its outcome
// means for a slave. Heartbeats may be sent again (a duplicate is harmless), so any collector that
// could not take them is followed by the next, each given its share of the time left.
import type { HeartbeatInput } from '../domain/heartbeat.js';
import type { CaFile } from '../net/failure.js';
import { request, RequestError } from '../net/request.js';

/** Where heartbeats go (the same shape as the CLI's collector target; nothing here imports the CLI). */
export interface CollectorTarget {
  /** The collector that answered last, else the first listed: the one messages name. */
  url: string;
  /** Every collector listed, the one that answered last first; absent: `url` alone. */
  urls?: string[];
  token: string | undefined;
  /** The CA of an https:// collector; undefined: the system's CAs. */
  ca?: CaFile | undefined;
}

export type SendOutcome =
  | { kind: 'delivered'; accepted: number }
  /** Nothing was stored, but it may be later: unreachable, no answer in time, 5xx, 408, 429. */
  | { kind: 'retry-later'; reason: string }
  /** The collector said no (4xx): a configuration or input error that sending again will not fix. */
  | { kind: 'refused'; status: number; error: string; field: string | null };

/**
 * POSTs a batch to each listed collector in turn until one takes or refuses it. `signal` bounds the
 * whole exchange; `deadline` (performance.now() time) is when it fires, so that a collector that
 * does not answer leaves the next ones their share of the time.
 */
export async function postHeartbeats(
  target: CollectorTarget,
  batch: HeartbeatInput[],
  signal: AbortSignal,
  deadline?: number,
): Promise<SendOutcome> {
  const urls = target.urls ?? [target.url];
  const reasons: string[] = [];
  for (const [index, url] of urls.entries()) {
    const left = urls.length - index;
    const share = deadline === undefined ? null : (deadline - performance.now()) / left;
    const bound =
      share === null || left === 1
        ? signal
        : AbortSignal.any([signal, AbortSignal.timeout(Math.max(0, Math.floor(share)))]);
    const outcome = await postTo(url, target, batch, bound);
    if (outcome.kind !== 'retry-later') {
      target.url = url;
      if (target.urls) target.urls = [url, ...urls.filter((u) => u !== url)];
      return outcome;
    }
    reasons.push(outcome.reason);
    if (signal.aborted) break;
  }
  const reason =
    reasons.length === 1 ? reasons[0]! : `no collector took it (${reasons.join('; ')})`;
  return { kind: 'retry-later', reason };
}

async function postTo(
  url: string,
  target: CollectorTarget,
  batch: HeartbeatInput[],
  signal: AbortSignal,
): Promise<SendOutcome> {
  let status: number;
  let text: string;
  try {
    ({ status, text } = await request(`${url}/api/v1/heartbeats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      token: target.token,
      body: JSON.stringify(batch),
      signal,
      ca: target.ca,
    }));
  } catch (err) {
    return { kind: 'retry-later', reason: unreachableReason(err, url) };
  }
  const answer = parseAnswer(text);
  if (status >= 200 && status < 300) {
    return { kind: 'delivered', accepted: answer.accepted ?? batch.length };
  }
  const detail = answer.error ?? (text.trim().slice(0, 200) || `HTTP ${status}`);
  if (status >= 500 || status === 408 || status === 429) {
    return {
      kind: 'retry-later',
      reason: `the collector at ${url} answered ${status}: ${detail}`,
    };
  }
  return { kind: 'refused', status, error: detail, field: answer.field ?? null };
}

function parseAnswer(text: string): { accepted?: number; error?: string; field?: string } {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      return {
        accepted: typeof v.accepted === 'number' ? v.accepted : undefined,
        error: typeof v.error === 'string' ? v.error : undefined,
        field: typeof v.field === 'string' ? v.field : undefined,
      };
    }
  } catch {
    // not JSON (a proxy's error page): the caller shows the text
  }
  return {};
}

function unreachableReason(err: unknown, url: string): string {
  const where = `the collector at ${url}`;
  if (!(err instanceof RequestError)) return `${where} cannot be reached: ${String(err)}`;
  if (err.timedOut) return `${where} did not answer in time`;
  if (err.code === 'ECONNREFUSED') return `${where} refused the connection (is it running?)`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `${where} cannot be found (DNS)`;
  return `${where} cannot be reached: ${err.reason}`;
}
