// Which Nagios host and service stand for a slave: a host template and a service name from the
// settings, overridden per slave by the inventory attributes `nagios_host` and `nagios_service`.
import type { InventoryEntry } from '../domain/inventory.js';
import { checkHost, checkService, NagiosInputError, type ServiceRef } from './commands.js';

export const DEFAULT_HOST_TEMPLATE = '{slave}';
export const DEFAULT_SERVICE = 'buildbot-start';

export interface NagiosMapping {
  /** `{slave}` is replaced by the slave's name, e.g. `{slave}.build.example.com`. */
  hostTemplate: string;
  service: string;
}

export const DEFAULT_MAPPING: NagiosMapping = {
  hostTemplate: DEFAULT_HOST_TEMPLATE,
  service: DEFAULT_SERVICE,
};

/** Checks a mapping once, when settings are loaded, so a bad template fails at start, not per slave. */
export function checkMapping(m: NagiosMapping): NagiosMapping {
  if (!m.hostTemplate.includes('{slave}')) {
    throw new NagiosInputError(
      'host template',
      m.hostTemplate,
      'it must contain {slave}, e.g. "{slave}" or "{slave}.build.example.com"',
    );
  }
  checkHost(m.hostTemplate.replaceAll('{slave}', 'x'));
  checkService(m.service);
  return m;
}

/** The Nagios service of a slave; throws NagiosInputError when the result is not a safe name. */
export function serviceFor(
  slave: string,
  m: NagiosMapping,
  attributes: Record<string, string> = {},
): ServiceRef {
  const host = attributes.nagios_host ?? m.hostTemplate.replaceAll('{slave}', slave);
  const service = attributes.nagios_service ?? m.service;
  return { host: checkHost(host), service: checkService(service) };
}

export function serviceForEntry(entry: InventoryEntry, m: NagiosMapping): ServiceRef {
  return serviceFor(entry.name, m, entry.attributes);
}

/**
 * The slave a Nagios host stands for, by reversing the template (`talos-001.build.example.com`
 * → `talos-001`); null when the host does not match it.
 */
export function slaveForHost(host: string, m: NagiosMapping): string | null {
  const [before, after] = splitTemplate(m.hostTemplate);
  if (host.length <= before.length + after.length) return null;
  if (!host.startsWith(before) || !host.endsWith(after)) return null;
  return host.slice(before.length, host.length - after.length);
}

function splitTemplate(template: string): [string, string] {
  const at = template.indexOf('{slave}');
  return [template.slice(0, at), template.slice(at + '{slave}'.length)];
}
