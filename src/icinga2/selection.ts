// Which Icinga 2 services an API call acts on, and what Icinga answered for each of them. Objects are
// selected by one fixed filter whose values travel in `filter_vars`, so no slave name, host or
// service ever becomes filter text. Pure.
import type { ServiceRef } from '../nagios/commands.js';

/**
 * The only filter corral sends: the values are variables, never spliced into it. (Their names
 * must not be `service` or `host`, which the filter already binds to the object.) The hosts are
 * a dictionary: Icinga evaluates the filter on every service it has, and `contains` is a lookup
 * where `in` on an array is a scan (10,000 services, 1,000 hosts: 0.3 s against 0.9 s here).
 */
export const SERVICES_FILTER = 'corral_hosts.contains(host.name) && service.name == corral_service';

export interface Selection {
  type: 'Service';
  filter: typeof SERVICES_FILTER;
  filter_vars: { corral_service: string; corral_hosts: Record<string, true> };
}

/** One call's targets: the slaves whose services share a service name. */
export interface Group {
  selection: Selection;
  /** `host!service` -> slave name. */
  slaves: Map<string, string>;
}

export const objectName = (t: ServiceRef): string => `${t.host}!${t.service}`;

/** The targets grouped by service name, each group at most `max` hosts (Icinga parses every body whole). */
export function groupTargets(
  targets: ReadonlyArray<{ slave: string; target: ServiceRef }>,
  max = 1000,
): Group[] {
  const groups: Group[] = [];
  const open = new Map<string, Group>();
  for (const { slave, target } of targets) {
    let g = open.get(target.service);
    if (!g || g.slaves.size >= max) {
      g = {
        selection: {
          type: 'Service',
          filter: SERVICES_FILTER,
          // No prototype: a host named `__proto__` is a key like any other.
          filter_vars: { corral_service: target.service, corral_hosts: Object.create(null) },
        },
        slaves: new Map(),
      };
      open.set(target.service, g);
      groups.push(g);
    }
    g.selection.filter_vars.corral_hosts[target.host] = true;
    g.slaves.set(objectName(target), slave);
  }
  return groups;
}

export type ObjectAnswer =
  | { slave: string; ok: true; detail: Record<string, unknown> }
  | { slave: string; ok: false; reason: string };

interface RawResult {
  code?: unknown;
  status?: unknown;
  name?: unknown;
}

/**
 * Each target's answer from an action's `results` (Icinga 2.13 gives one per object it matched,
 * naming the object only in its text). A target no result names was not matched: Icinga has no
 * such service. A result naming no target (a parameter Icinga refused) refuses every target left.
 */
export function answersOf(body: unknown, group: Group): ObjectAnswer[] {
  const results = (body as { results?: unknown } | null)?.results;
  const list: RawResult[] = Array.isArray(results) ? (results as RawResult[]) : [];
  const byObject = new Map<string, ObjectAnswer>();
  let general: string | null = null;
  for (const r of list) {
    const status = typeof r.status === 'string' ? r.status : '';
    const code = typeof r.code === 'number' ? r.code : 0;
    const object = namedObject(r, status, group.slaves);
    if (object === null) {
      if (code < 200 || code > 299) general ??= `Icinga 2 refused it (${code}): ${status}`;
      continue;
    }
    const slave = group.slaves.get(object)!;
    // Several results for one object (its downtimes, one each): a refusal among them stays.
    if (byObject.get(object)?.ok === false) continue;
    byObject.set(
      object,
      code >= 200 && code <= 299 && !/^Ignoring /.test(status)
        ? { slave, ok: true, detail: r as Record<string, unknown> }
        : { slave, ok: false, reason: `Icinga 2 refused it (${code}): ${status}` },
    );
  }
  return [...group.slaves].map(([object, slave]) => {
    const answer = byObject.get(object);
    if (answer) return answer;
    const [host, service] = splitObject(object);
    return {
      slave,
      ok: false,
      reason:
        general ??
        `Icinga 2 has no service "${service}" on host "${host}": define it (corral icinga2-config) and reload Icinga 2`,
    };
  });
}

/** The object a result speaks of: in quotes (`for object 'h!s'`), or `Service h!s is OK.` */
function namedObject(r: RawResult, status: string, known: Map<string, string>): string | null {
  const candidates: string[] = [];
  // A downtime's name is `host!service!uuid`.
  if (typeof r.name === 'string') candidates.push(r.name.split('!').slice(0, 2).join('!'));
  for (const m of status.matchAll(/'([^']*)'/g)) {
    candidates.push(m[1]!, m[1]!.split('!').slice(0, 2).join('!'));
  }
  const bare = /^(?:Service|Host) (.+?) is (?:OK|UP|already acknowledged)\.$/.exec(status);
  if (bare) candidates.push(bare[1]!);
  const tail = / for object (\S+)$/.exec(status);
  if (tail) candidates.push(tail[1]!);
  return candidates.find((c) => known.has(c)) ?? null;
}

function splitObject(object: string): [string, string] {
  const at = object.indexOf('!');
  return [object.slice(0, at), object.slice(at + 1)];
}
