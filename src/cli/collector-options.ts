// The `--collector URL` and `--token T` options every command that talks to a collector shares.
import type { Command } from 'commander';
import { CliError } from './errors.js';

export const DEFAULT_COLLECTOR_URL = 'http://127.0.0.1:8474';

export interface CollectorTarget {
  /** Base URL without a trailing slash, http: or https:. */
  url: string;
  token: string | undefined;
}

export function addCollectorOptions(command: Command): Command {
  return command
    .option(
      '--collector <url>',
      'collector address (default: $CORRAL_URL, else http://127.0.0.1:8474)',
    )
    .option('--token <token>', 'access token (default: $CORRAL_TOKEN)');
}

export function collectorTarget(opts: { collector?: string; token?: string }): CollectorTarget {
  const raw = opts.collector ?? process.env.CORRAL_URL ?? DEFAULT_COLLECTOR_URL;
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw new CliError(
      `"${raw}" is not a collector address: use e.g. http://buildfarm-collector:8474`,
    );
  }
  if (url.protocol === 'ws:') url.protocol = 'http:';
  if (url.protocol === 'wss:') url.protocol = 'https:';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(
      `"${raw}" is not a collector address: it must start with http:// or https://`,
    );
  }
  const token = opts.token ?? process.env.CORRAL_TOKEN;
  return { url: url.origin + url.pathname.replace(/\/+$/, ''), token: token || undefined };
}

export function authHeaders(target: CollectorTarget): Record<string, string> {
  return target.token ? { authorization: `Bearer ${target.token}` } : {};
}

/** GETs JSON from the collector; every failure becomes one CliError line. */
export async function getJson<T>(
  target: CollectorTarget,
  path: string,
  timeoutMs = 10_000,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(target.url + path, {
      headers: authHeaders(target),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new CliError(`cannot reach the collector at ${target.url}: ${reason(err)}`);
  }
  const body = await res.text();
  if (!res.ok) {
    let detail = body.trim();
    try {
      detail = (JSON.parse(body) as { error?: string }).error ?? detail;
    } catch {
      // not JSON: show the text as it is
    }
    throw new CliError(`the collector at ${target.url} answered ${res.status}: ${detail}`);
  }
  return JSON.parse(body) as T;
}

function reason(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'no answer in time';
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') return 'connection refused (is it running?)';
    if (cause?.code === 'ENOTFOUND') return 'unknown host';
    return cause?.message ?? err.message;
  }
  return String(err);
}
