import { describe, expect, test } from 'vitest';
import { NagiosInputError } from '../../../src/nagios/commands.js';
import {
  generateNagiosConfig,
  type NagiosConfigInput,
} from '../../../src/nagios/config-generator.js';
import { DEFAULT_MAPPING } from '../../../src/nagios/mapping.js';
import { hasNagios, verifyObjects } from '../../support/nagios.js';

const input: NagiosConfigInput = {
  slaves: [
    { name: 'talos-r3-fed-001', pool: 'talos-r3-fed', master: 'bm01', attributes: {} },
    { name: 'talos-r3-snow-001', pool: 'talos-r3-snow', master: null, attributes: {} },
    {
      name: 'w64-ix-001',
      pool: null,
      master: null,
      attributes: { nagios_host: 'w64-ix-001.win.example.com' },
    },
  ],
  thresholds: {
    default: { warningSeconds: 21600, criticalSeconds: 25200 },
    pools: { 'talos-r3-snow': { warningSeconds: 108000, criticalSeconds: 129600 } },
  },
  mapping: DEFAULT_MAPPING,
  corral: ['/usr/bin/node', '/opt/corral/bin/corral.js'],
  collectorUrl: 'http://127.0.0.1:8474',
  pluginDir: '/usr/lib/nagios/plugins',
};

/** The definitions of one type, each as a key → value map. */
function definitions(text: string, type: string): Array<Record<string, string>> {
  return [...text.matchAll(/^define (\w+) \{\n([\s\S]*?)\n\}$/gm)]
    .filter((m) => m[1] === type)
    .map((m) =>
      Object.fromEntries(
        m[2]!.split('\n').map((l) => {
          const [, k, v] = /^\s+(\S+)\s+(.*)$/.exec(l)!;
          return [k!, v!];
        }),
      ),
    );
}

describe('generateNagiosConfig', () => {
  const text = generateNagiosConfig(input);

  test('one passive buildbot-start service per slave, freshness at its pool critical threshold', () => {
    const services = definitions(text, 'service').filter(
      (s) => s.service_description === 'buildbot-start',
    );
    expect(services).toEqual([
      {
        use: 'corral-buildbot-start',
        host_name: 'talos-r3-fed-001',
        service_description: 'buildbot-start',
        check_command: 'corral-check!talos-r3-fed-001',
        freshness_threshold: '25200',
      },
      expect.objectContaining({ host_name: 'talos-r3-snow-001', freshness_threshold: '129600' }),
      expect.objectContaining({
        host_name: 'w64-ix-001.win.example.com',
        check_command: 'corral-check!w64-ix-001',
      }),
    ]);
    const template = definitions(text, 'service').find((s) => s.name === 'corral-buildbot-start')!;
    expect(template).toMatchObject({
      register: '0',
      active_checks_enabled: '0',
      passive_checks_enabled: '1',
      check_freshness: '1',
    });
  });

  test('the check command runs corral check against the collector; the health check uses check_http', () => {
    const commands = Object.fromEntries(
      definitions(text, 'command').map((c) => [c.command_name, c.command_line]),
    );
    expect(commands['corral-check']).toBe(
      '/usr/bin/node /opt/corral/bin/corral.js check --collector http://127.0.0.1:8474 $ARG1$',
    );
    expect(commands['corral-collector-health']).toBe(
      '/usr/lib/nagios/plugins/check_http -H 127.0.0.1 -p 8474 -u /healthz -t 10',
    );
    expect(
      definitions(text, 'service').find((s) => s.host_name === 'corral-collector'),
    ).toMatchObject({
      check_command: 'corral-collector-health',
      active_checks_enabled: '1',
      check_freshness: '0',
    });
  });

  test('hosts carry their pool for the object cache to find it again', () => {
    expect(definitions(text, 'host').find((h) => h.host_name === 'talos-r3-fed-001')).toMatchObject(
      {
        _POOL: 'talos-r3-fed',
        address: 'talos-r3-fed-001',
      },
    );
  });

  test('https collectors, a token file and a CA: paths in the command, never a token', () => {
    const t = generateNagiosConfig({
      ...input,
      collectorUrl: 'https://corral.example.com',
      tokenFile: '/etc/nagios4/corral-token',
      ca: '/etc/corral/ca.pem',
      contactGroups: ['releng'],
    });
    expect(t).toContain(
      'check --collector https://corral.example.com --token-file /etc/nagios4/corral-token --ca /etc/corral/ca.pem $ARG1$',
    );
    expect(t).not.toMatch(/--token |\$USER/);
    expect(t).toContain('check_http -H corral.example.com -p 443 --ssl -u /healthz');
    expect(t).toContain('contact_groups          releng');
    expect(t).not.toContain('corral-nobody');
  });

  test('the sh twin instead of corral check: run by /bin/sh, same options', () => {
    const t = generateNagiosConfig({
      ...input,
      shPlugin: '/opt/corral/bin/corral-check.sh',
      tokenFile: '/etc/nagios4/corral-token',
    });
    const commands = Object.fromEntries(
      definitions(t, 'command').map((c) => [c.command_name, c.command_line]),
    );
    expect(commands['corral-check']).toBe(
      '/bin/sh /opt/corral/bin/corral-check.sh --collector http://127.0.0.1:8474 --token-file /etc/nagios4/corral-token $ARG1$',
    );
  });

  test.each([
    [{ corral: ['corral'] }, /absolute path/],
    [{ corral: ['/usr/bin/node', '/x; rm -rf /'] }, /corral argument/],
    [{ corral: ['/usr/bin/$USER1$'] }, /corral program/],
    [{ collectorUrl: 'ftp://x' }, /http/],
    [{ collectorUrl: 'not a url' }, /collector/],
    [{ pluginDir: '/usr/lib/nagios plugins' }, /plugin directory/],
    [{ contactGroups: ['a;b'] }, /contact group/],
    [{ slaves: [{ name: 'a!b', pool: null, master: null, attributes: {} }] }, /not a slave name/],
    [
      { slaves: [{ name: 'a', pool: 'talos r3\n}', master: null, attributes: {} }] },
      /pool "talos r3\\n}" is refused/,
    ],
    [{ tokenFile: 'corral-token' }, /token file "corral-token" is refused: give an absolute path/],
    [{ tokenFile: '/etc/$USER3$' }, /token file/],
    [{ ca: '/etc/my ca.pem' }, /CA file/],
    [{ shPlugin: 'bin/corral-check.sh' }, /sh plugin "bin\/corral-check.sh" is refused/],
    [
      { slaves: [{ name: 's', pool: null, master: null, attributes: { nagios_host: 'a\nb' } }] },
      /host/,
    ],
    [
      {
        slaves: [
          { name: 'a', pool: null, master: null, attributes: { nagios_host: 'h' } },
          { name: 'b', pool: null, master: null, attributes: { nagios_host: 'h' } },
        ],
      },
      /a second slave maps to h/,
    ],
  ] as Array<[Partial<NagiosConfigInput>, RegExp]>)('refuses %j', (change, message) => {
    expect(() => generateNagiosConfig({ ...input, ...change })).toThrow(NagiosInputError);
    expect(() => generateNagiosConfig({ ...input, ...change })).toThrow(message);
  });
});

describe.skipIf(!hasNagios)('nagios4 -v accepts the generated config', () => {
  test('with the placeholder contact, and with real contact groups defined elsewhere', async () => {
    const result = await verifyObjects(generateNagiosConfig(input));
    expect(result.output).toMatch(/Total Warnings:\s+0/);
    expect(result.ok, result.output).toBe(true);

    const contact = `define command {\n    command_name x\n    command_line /bin/true\n}\ndefine contact {\n    contact_name jdoe\n    host_notification_period corral-24x7\n    service_notification_period corral-24x7\n    host_notification_commands x\n    service_notification_commands x\n}\ndefine contactgroup {\n    contactgroup_name releng\n    alias releng\n    members jdoe\n}\n`;
    const withGroups = await verifyObjects(
      generateNagiosConfig({ ...input, contactGroups: ['releng'] }) + contact,
    );
    expect(withGroups.ok, withGroups.output).toBe(true);
  });

  test('and rejects a broken one (the verifier is really looking)', async () => {
    const broken = generateNagiosConfig(input).replace(
      /check_command(\s+)corral-check!/g,
      'check_command$1no-such-command!',
    );
    expect((await verifyObjects(broken)).ok).toBe(false);
  });
});
