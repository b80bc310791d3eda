import { describe, expect, test } from 'vitest';
import { NagiosInputError } from '../../../src/nagios/commands.js';
import {
  checkMapping,
  DEFAULT_MAPPING,
  serviceFor,
  slaveForHost,
} from '../../../src/nagios/mapping.js';
import { slavesFromObjectCache } from '../../../src/nagios/object-cache.js';

const FQDN = { hostTemplate: '{slave}.build.example.com', service: 'buildbot-start' };

describe('slave → Nagios service', () => {
  test('by default the host is the slave and the service is buildbot-start', () => {
    expect(serviceFor('talos-r3-fed-001', DEFAULT_MAPPING)).toEqual({
      host: 'talos-r3-fed-001',
      service: 'buildbot-start',
    });
  });

  test('a host template', () => {
    expect(serviceFor('talos-001', FQDN).host).toBe('talos-001.build.example.com');
  });

  test('per-slave overrides from inventory attributes win', () => {
    expect(
      serviceFor('w64-ix-001', FQDN, {
        nagios_host: 'w64-ix-001.win.example.com',
        nagios_service: 'buildbot start',
      }),
    ).toEqual({ host: 'w64-ix-001.win.example.com', service: 'buildbot start' });
  });

  test('an override that would inject is refused', () => {
    expect(() =>
      serviceFor('s', DEFAULT_MAPPING, { nagios_host: 'h\n[0] SHUTDOWN_PROGRAM' }),
    ).toThrow(NagiosInputError);
    expect(() => serviceFor('s', DEFAULT_MAPPING, { nagios_service: 'svc;x' })).toThrow(
      NagiosInputError,
    );
  });

  test('a mapping is checked once: the template needs {slave} and safe characters', () => {
    expect(checkMapping(FQDN)).toBe(FQDN);
    expect(() => checkMapping({ hostTemplate: 'fixed-host', service: 'x' })).toThrow(/\{slave\}/);
    expect(() => checkMapping({ hostTemplate: '{slave};x', service: 'x' })).toThrow(
      NagiosInputError,
    );
    expect(() => checkMapping({ hostTemplate: '{slave}', service: 'a\nb' })).toThrow(
      NagiosInputError,
    );
  });

  test('reversing the template', () => {
    expect(slaveForHost('talos-001.build.example.com', FQDN)).toBe('talos-001');
    expect(slaveForHost('talos-001.other.com', FQDN)).toBeNull();
    expect(slaveForHost('.build.example.com', FQDN)).toBeNull();
    expect(slaveForHost('anything', DEFAULT_MAPPING)).toBe('anything');
  });
});

// Shaped as Nagios 4.4.6 writes objects.cache (tab-separated, `\t}` closing).
const CACHE = `########################################
#       NAGIOS OBJECT CACHE FILE
########################################
define host {
\thost_name\ttalos-002.build.example.com
\talias\ttalos-002 (talos-r3)
\taddress\ttalos-002.build.example.com
\t_POOL\ttalos-r3
\t}
define host {
\thost_name\ttalos-001.build.example.com
\talias\ttalos-001
\t}
define host {
\thost_name\tweb01
\t}
define host {
\thost_name\tw64.win.example.org
\t}
define service {
\thost_name\ttalos-002.build.example.com
\tservice_description\tbuildbot-start
\tcheck_command\tcorral-check!talos-002
\t}
define service {
\thost_name\ttalos-001.build.example.com
\tservice_description\tbuildbot-start
\t}
define service {
\thost_name\tweb01
\tservice_description\tHTTP
\t}
define service {
\thost_name\tw64.win.example.org
\tservice_description\tbuildbot-start
\t}
`;

describe('objects.cache as an inventory source', () => {
  test('hosts with the heartbeat service become slaves, with pool and overrides', () => {
    expect(slavesFromObjectCache(CACHE, FQDN)).toEqual([
      { name: 'talos-001', pool: null, master: null, attributes: {} },
      { name: 'talos-002', pool: 'talos-r3', master: null, attributes: {} },
      {
        name: 'w64.win.example.org',
        pool: null,
        master: null,
        attributes: { nagios_host: 'w64.win.example.org' },
      },
    ]);
  });

  test('a different service name finds other hosts; an empty file finds none', () => {
    expect(slavesFromObjectCache(CACHE, { hostTemplate: '{slave}', service: 'HTTP' })).toEqual([
      { name: 'web01', pool: null, master: null, attributes: {} },
    ]);
    expect(slavesFromObjectCache('', FQDN)).toEqual([]);
  });
});

describe('readObjectCacheInventory', () => {
  test('a missing file is one line naming it and the setting', async () => {
    const { readObjectCacheInventory } = await import('../../../src/nagios/object-cache.js');
    await expect(readObjectCacheInventory('/nonexistent/objects.cache', FQDN)).rejects.toThrow(
      /^cannot read Nagios's object cache \/nonexistent\/objects.cache \(ENOENT\): check nagios.object_cache_file/,
    );
  });
});
