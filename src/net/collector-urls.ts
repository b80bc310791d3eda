// The collector list every client takes (`--collector URL[,URL...]`, `CORRAL_URL=URL,URL`): parsed
// and checked in this one place, so the CLI, `corral beat` and the console read it alike.

/** One collector of the list, as its HTTP base and as the address the operator wrote. */
export interface CollectorUrl {
  /** `http(s)://host:port[/base]`, no trailing slash: where requests go. */
  base: string;
  /** Whether the collector serves TLS (https:// or wss://). */
  secure: boolean;
}

export type CollectorUrlsResult =
  { ok: true; urls: CollectorUrl[] } | { ok: false; problem: string };

/**
 * `raw` split on commas, each item an address (`http://`, `https://`, `ws://`, `wss://`, or bare
 * `host:port`, taken as `bareScheme`). `source` names where it came from (`--collector`,
 * `CORRAL_URL`) for the one line that says what is wrong: an empty item, a bad address, a repeat.
 */
export function parseCollectorUrls(
  raw: string,
  source: string,
  bareScheme: 'http' | 'ws' = 'http',
): CollectorUrlsResult {
  const items = raw.split(',').map((item) => item.trim());
  const urls: CollectorUrl[] = [];
  for (const [index, item] of items.entries()) {
    const where = items.length > 1 ? `${source}: address ${index + 1} of "${raw}"` : source;
    if (item === '') {
      return {
        ok: false,
        problem: `${where} is empty: separate collector addresses with single commas, e.g. http://collector-a:8474,http://collector-b:8474`,
      };
    }
    const url = collectorUrl(item, bareScheme);
    if (typeof url === 'string') return { ok: false, problem: `${where}: ${url}` };
    const same = urls.findIndex((u) => u.base === url.base);
    if (same >= 0) {
      return {
        ok: false,
        problem: `${where}: "${item}" is address ${same + 1} again: give each collector once`,
      };
    }
    urls.push(url);
  }
  return { ok: true, urls };
}

/** One address as a collector, or why it is not one. */
function collectorUrl(item: string, bareScheme: 'http' | 'ws'): CollectorUrl | string {
  let url: URL;
  try {
    url = new URL(item.includes('://') ? item : `${bareScheme}://${item}`);
  } catch {
    return `"${item}" is not a collector address: use e.g. http://buildfarm-collector:8474`;
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    return `"${item}" is not a collector address: it must start with http://, https://, ws:// or wss://`;
  }
  if (url.username || url.password || url.search || url.hash) {
    return `"${item}" is not a collector address: give scheme, host, port and path only (the token goes in --token-file or CORRAL_TOKEN)`;
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1\/stream$/, '');
  return { base: `${secure ? 'https' : 'http'}://${url.host}${path}`, secure };
}
