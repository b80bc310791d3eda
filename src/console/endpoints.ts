// The collector addresses a console needs, from what the operator typed (ws://, wss://, http://, https:// or host:port),
// one collector or a list of them (`URL,URL`: the console moves to the next when it loses one).
import { parseCollectorUrls, type CollectorUrl } from '../net/collector-urls.js';

export interface Endpoints {
  /** What the header shows: `ws://host:port`. */
  display: string;
  /** The WebSocket stream: `ws://host:port/api/v1/stream`. */
  stream: string;
  /** The HTTP base for detail requests: `http://host:port`. */
  http: string;
}

export const STREAM_PATH = '/api/v1/stream';

/** Throws an Error with a one-line message for the operator when the address is unusable. */
export function endpointsFor(raw: string): Endpoints {
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `ws://${raw}`);
  } catch {
    throw new Error(`"${raw}" is not a collector address: use e.g. ws://buildfarm-collector:8474`);
  }
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol)) {
    throw new Error(
      `"${raw}" is not a collector address: it must start with ws://, wss://, http:// or https://`,
    );
  }
  const base = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1\/stream$/, '');
  const host = url.host;
  return {
    display: `${secure ? 'wss' : 'ws'}://${host}${base}`,
    stream: `${secure ? 'wss' : 'ws'}://${host}${base}${STREAM_PATH}`,
    http: `${secure ? 'https' : 'http'}://${host}${base}`,
  };
}

/**
 * Every collector of a list (`ws://a:8474,ws://b:8474`), in order; `source` names where the list
 * came from in the one-line Error for an unusable one (an empty item, a bad address, a repeat).
 */
export function endpointsListFor(raw: string, source: string): Endpoints[] {
  const parsed = parseCollectorUrls(raw, source, 'ws');
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.urls.map(endpointsOf);
}

function endpointsOf({ base }: CollectorUrl): Endpoints {
  const ws = base.replace(/^http/, 'ws');
  return { display: ws, stream: `${ws}${STREAM_PATH}`, http: base };
}
