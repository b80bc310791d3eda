// Nagios's objects.cache as an inventory source: the hosts that carry the heartbeat service.
import { readFile } from 'node:fs/promises';
import type { InventoryEntry } from '../domain/inventory.js';
import { isSlaveName } from '../domain/names.js';
import { accessProblem } from './file-access.js';
import { slaveForHost, type NagiosMapping } from './mapping.js';

interface ObjectDefinition {
  type: string;
  fields: Map<string, string>;
}

/** Splits objects.cache (`define x {`, `\tkey\tvalue` lines, `\t}`) into definitions. */
export function parseObjectCache(text: string): ObjectDefinition[] {
  const out: ObjectDefinition[] = [];
  let current: ObjectDefinition | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === null) {
      const open = /^define\s+([a-z]+)\s*\{$/.exec(line);
      if (open) current = { type: open[1]!, fields: new Map() };
    } else if (line === '}') {
      out.push(current);
      current = null;
    } else if (line !== '') {
      const m = /^(\S+)\s+(.*)$/.exec(line);
      if (m) current.fields.set(m[1]!, m[2]!);
    }
  }
  return out;
}

/**
 * Slaves whose host has the service (by default `buildbot-start`), named by reversing the host
 * template. The pool comes from the host's `_POOL` custom variable (`corral nagios-config` writes
 * it); a host that the template does not match keeps its name in `nagios_host`.
 */
export function slavesFromObjectCache(text: string, mapping: NagiosMapping): InventoryEntry[] {
  const defs = parseObjectCache(text);
  const hosts = new Map<string, ObjectDefinition>();
  for (const d of defs) if (d.type === 'host') hosts.set(d.fields.get('host_name') ?? '', d);
  const seen = new Set<string>();
  const slaves: InventoryEntry[] = [];
  for (const d of defs) {
    if (d.type !== 'service' || d.fields.get('service_description') !== mapping.service) continue;
    const host = d.fields.get('host_name') ?? '';
    const fromTemplate = slaveForHost(host, mapping);
    const name = fromTemplate ?? host;
    if (!isSlaveName(name) || seen.has(name)) continue;
    seen.add(name);
    const pool = hosts.get(host)?.fields.get('_POOL') ?? null;
    slaves.push({
      name,
      pool: pool !== null && isSlaveName(pool) ? pool : null,
      master: null,
      attributes: fromTemplate === null ? { nagios_host: host } : {},
    });
  }
  return slaves.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Reads objects.cache and lists its slaves. A read failure is one line: for a permission problem,
 * who we run as, the file's owner and mode and the group to join; else the file and the setting.
 */
export async function readObjectCacheInventory(
  file: string,
  mapping: NagiosMapping,
): Promise<InventoryEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new Error(accessProblem(file, 'read') ?? `cannot read ${file} (${code})`, {
        cause: err,
      });
    }
    throw new Error(
      `cannot read Nagios's object cache ${file} (${(err as NodeJS.ErrnoException).code}): check nagios.object_cache_file in corral.yaml against object_cache_file in nagios.cfg`,
      { cause: err },
    );
  }
  return slavesFromObjectCache(text, mapping);
}
