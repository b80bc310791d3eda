// Who is asking: tokens by role, and the loopback-only rule when no token is configured.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Role } from '../domain/protocol.js';
import type { TokenSetting } from './config.js';

export interface Identity {
  name: string;
  role: Role;
}

/** What a request needs to be allowed. */
export type Permission = 'heartbeat' | 'view' | 'act' | 'relay';

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  heartbeat: new Set(['heartbeat']),
  viewer: new Set(['view']),
  operator: new Set(['heartbeat', 'view', 'act']),
  // The Nagios relay (`corral nagios-relay`): it connects in to carry Nagios's side, nothing more.
  relay: new Set(['relay']),
};

const DOING: Record<Permission, string> = {
  heartbeat: 'send heartbeats',
  view: 'watch slaves',
  act: 'act',
  relay: 'relay Nagios',
};

/** Why `identity` may not do `needs`, in one line; null when it may. HTTP and the stream both ask. */
export function roleRefusal(identity: Identity, needs: Permission): string | null {
  if (GRANTS[identity.role].has(needs)) return null;
  return `token "${identity.name}" has role ${identity.role}, which may not ${DOING[needs]}`;
}

export type AuthResult =
  { ok: true; identity: Identity } | { ok: false; status: 401 | 403; error: string };

export class Auth {
  /** Keyed by the token's SHA-256, so a lookup's timing tells nothing about the token. */
  private readonly byHash: Map<string, Identity>;

  constructor(tokens: readonly TokenSetting[]) {
    this.byHash = new Map(tokens.map((t) => [hash(t.token), { name: t.name, role: t.role }]));
  }

  get open(): boolean {
    return this.byHash.size === 0;
  }

  check(req: IncomingMessage, needs: Permission): AuthResult {
    if (this.open) {
      if (!isLoopback(req.socket.remoteAddress)) {
        return {
          ok: false,
          status: 403,
          error:
            'this collector has no tokens configured and serves loopback clients only: add tokens to corral.yaml',
        };
      }
      return { ok: true, identity: { name: 'local', role: 'operator' } };
    }
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      return {
        ok: false,
        status: 401,
        error:
          'a token is required: send "Authorization: Bearer <token>" (corral commands: --token or $CORRAL_TOKEN)',
      };
    }
    const identity = this.byHash.get(hash(match[1]!));
    if (!identity)
      return { ok: false, status: 401, error: 'the token is not known to this collector' };
    const refusal = roleRefusal(identity, needs);
    return refusal === null ? { ok: true, identity } : { ok: false, status: 403, error: refusal };
  }
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}
