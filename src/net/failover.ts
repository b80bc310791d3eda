// One request to the first collector of a list that can take it: the next is tried when one cannot
// be reached or answers 503, never after a definite answer, and never for a request that may have
// been accepted already (an action whose connection was up when it failed).
import { request, RequestError, type Answer, type RequestOptions } from './request.js';

export interface FailoverOptions extends Omit<RequestOptions, 'connectTimeoutMs'> {
  /** May it be sent again elsewhere after it reached a collector? Yes for reads, no for actions. */
  resendable: boolean;
  /** Each collector but the last must be connected within this, so a dead host does not eat the time. */
  connectTimeoutMs?: number;
  /**
   * When `signal` gives up (ms from the call): a resendable request gives each collector its
   * share of what is left, so one that takes the connection and never answers leaves the next time.
   */
  timeoutMs?: number;
}

/** Where the request was answered, and the answer. */
export interface Answered extends Answer {
  base: string;
}

/** No collector of the list answered; `reason` is one line naming each one's trouble. */
export class FailoverError extends Error {
  override name = 'FailoverError';
  constructor(
    readonly reason: string,
    /** The request reached the collector at this base and may have been taken: not sent elsewhere. */
    readonly mayHaveArrivedAt: string | null,
  ) {
    super(reason);
  }
}

/** Collectors whose connection is slower than this are passed over for the next one in the list. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;

export async function requestFailover(
  bases: readonly string[],
  path: string,
  opts: FailoverOptions,
): Promise<Answered> {
  const troubles: string[] = [];
  const deadline = opts.timeoutMs === undefined ? null : performance.now() + opts.timeoutMs;
  for (const [index, base] of bases.entries()) {
    const last = index === bases.length - 1;
    const share =
      deadline === null || last || !opts.resendable
        ? null
        : Math.max(0, Math.floor((deadline - performance.now()) / (bases.length - index)));
    let answer: Answer;
    try {
      answer = await request(base + path, {
        ...opts,
        signal:
          share === null ? opts.signal : AbortSignal.any([opts.signal, AbortSignal.timeout(share)]),
        connectTimeoutMs: last ? undefined : (opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
      });
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      if (err.sent && !opts.resendable) {
        throw new FailoverError(
          `cannot tell whether the collector at ${base} took the request: ${err.reason}; it is not sent to another collector, as it may have been accepted: check with corral ls or the action log`,
          base,
        );
      }
      troubles.push(`${base}: ${err.reason}`);
      if (opts.signal.aborted) break;
      continue;
    }
    if (answer.status !== 503 || last) return { ...answer, base };
    troubles.push(`${base}: answered 503 (unavailable)`);
  }
  throw new FailoverError(unreachable(troubles), null);
}

function unreachable(troubles: string[]): string {
  if (troubles.length === 1) return `cannot reach the collector at ${troubles[0]}`;
  return `cannot reach any collector (${troubles.join('; ')})`;
}
