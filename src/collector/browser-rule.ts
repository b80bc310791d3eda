// Keeps web pages out: a browser on a machine that can reach the collector must not be able to
// make it act. corral serves no pages, so only its own origin may send an Origin, and the Host
// must be a name a rebinding attacker cannot control (docs/security.md).
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

export interface BrowserRuleOptions {
  /** The host of `listen` (an address or a name). */
  listenHost: string;
  /** This machine's name (on Debian it resolves to 127.0.1.1). */
  machineName: string;
  /** `http.allowed_hosts`: more names clients reach the collector by. */
  allowedHosts: readonly string[];
  /**
   * Whether every request's Host must be accepted. Without tokens a request is trusted for where
   * it comes from, which DNS rebinding forges; with tokens a page cannot know one.
   */
  checkHost: boolean;
}

export interface BrowserRefusal {
  status: 403 | 421;
  reason: 'origin' | 'host';
  error: string;
}

export class BrowserRule {
  private readonly names: ReadonlySet<string>;

  constructor(private readonly options: BrowserRuleOptions) {
    this.names = new Set(
      [options.listenHost, options.machineName, ...options.allowedHosts].map(canonicalName),
    );
  }

  /** Why the request is refused, written for the operator, or null when it may go on. */
  refusal(headers: IncomingHttpHeaders): BrowserRefusal | null {
    const host = headers.host;
    if (host !== undefined && this.options.checkHost) {
      const hostname = parseHost(host)?.hostname;
      if (hostname === undefined || !this.accepts(hostname)) {
        return {
          status: 421,
          reason: 'host',
          error: `this collector is not "${host}": reach it by a loopback address, its listen address or a name in http.allowed_hosts of corral.yaml`,
        };
      }
    }
    const origin = headers.origin;
    if (origin !== undefined && !this.sameOrigin(origin, host)) {
      return {
        status: 403,
        reason: 'origin',
        error: `requests from web pages are refused (Origin: ${origin}): use the corral commands, curl or the console, which send no Origin`,
      };
    }
    return null;
  }

  /** An IP literal cannot be rebound to another address; `localhost` names never leave the machine. */
  private accepts(hostname: string): boolean {
    const name = canonicalName(hostname);
    if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true;
    if (name === 'localhost' || name.endsWith('.localhost')) return true;
    return this.names.has(name);
  }

  /** A page of the collector's own origin (it serves none; the Host check stops rebinding). */
  private sameOrigin(origin: string, host: string | undefined): boolean {
    let o: URL;
    try {
      o = new URL(origin);
    } catch {
      return false; // "null" (a sandboxed or file:// page) or garbage
    }
    if (o.protocol !== 'http:' && o.protocol !== 'https:') return false;
    const h = host === undefined ? null : parseHost(host);
    if (h === null) return false;
    const defaultPort = o.protocol === 'https:' ? '443' : '80';
    return (
      canonicalName(o.hostname) === canonicalName(h.hostname) &&
      (o.port || defaultPort) === (h.port || defaultPort)
    );
  }
}

/** A Host header is a name or address and a port, nothing else ("a@b" or "a/b" would parse). */
function parseHost(host: string): URL | null {
  if (/[/@?#\\\s]/.test(host)) return null;
  try {
    return new URL(`http://${host}`);
  } catch {
    return null;
  }
}

/** Names compare without case and without the trailing dot of a fully qualified name. */
function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
