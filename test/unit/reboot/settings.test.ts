// The `reboot:` section: defaults, per-pool chains, hands steps, and one clear line for each
// mistake; corral.sample.yaml is valid, whole, as the collector reads it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { parse } from 'yaml';
import { loadSettings } from '../../../src/collector/config.js';
import { methodsFor } from '../../../src/reboot/methods.js';
import { planReboot } from '../../../src/reboot/plan.js';
import { valuesFor } from '../../../src/reboot/placeholders.js';
import { parseRebootSection } from '../../../src/reboot/settings.js';

afterEach(() => vi.unstubAllEnvs());

describe('parseRebootSection', () => {
  test('nothing configured: concurrency 16, no methods', () => {
    expect(parseRebootSection(undefined, 'corral.yaml')).toEqual({
      concurrency: 16,
      methods: [],
      pools: {},
    });
  });

  test('durations, defaults (30s timeout, 15m wait) and hands', () => {
    const s = parseRebootSection(
      {
        concurrency: 4,
        methods: [
          { name: 'ssh', argv: ['ssh', '{host}'], wait: '10m' },
          { name: 'hands', hands: true, argv: [] },
        ],
        pools: { mini: [{ name: 'pdu', argv: ['snmpset', '{pdu}'], timeout: '1m' }] },
      },
      'corral.yaml',
    );
    expect(s.concurrency).toBe(4);
    expect(s.methods).toEqual([
      { name: 'ssh', argv: ['ssh', '{host}'], timeoutMs: 30_000, waitMs: 600_000, hands: false },
      { name: 'hands', argv: [], timeoutMs: 30_000, waitMs: 900_000, hands: true },
    ]);
    expect(methodsFor(s, 'mini')).toEqual([
      { name: 'pdu', argv: ['snmpset', '{pdu}'], timeoutMs: 60_000, waitMs: 900_000, hands: false },
    ]);
  });

  test.each([
    [
      { methods: [{ name: 'ssh', argv: ['ssh'], wait: 'soon' }] },
      /^c.yaml: reboot.methods.0.wait: "soon" is not a duration/,
    ],
    [
      { methods: [{ name: 'ssh', argv: ['ssh'], retries: 3 }] },
      /^c.yaml: reboot.methods.0: unknown key "retries"/,
    ],
    [
      { methods: [{ name: 'ssh', argv: ['{tool}'] }] },
      /^c.yaml: reboot.methods\[0\]: the program "\{tool\}" must be written literally/,
    ],
    [
      { methods: [{ name: 'ssh', argv: [] }] },
      /reboot.methods\[0\]: argv needs at least the program/,
    ],
    [
      {
        pools: {
          mini: [
            { name: 'x', argv: ['a'] },
            { name: 'x', argv: ['b'] },
          ],
        },
      },
      /^c.yaml: reboot.pools.mini\[1\]: method "x" appears twice/,
    ],
    [
      {
        methods: [
          { name: 'hands', hands: true, argv: [] },
          { name: 'ssh', argv: ['ssh'] },
        ],
      },
      /must be the last method/,
    ],
    [{ concurrency: 0 }, /^c.yaml: reboot.concurrency: /],
  ])('refused with one line: %#', (raw, message) => {
    expect(() => parseRebootSection(raw, 'c.yaml')).toThrow(message);
  });
});

describe('corral.sample.yaml', () => {
  const text = readFileSync(
    path.resolve(import.meta.dirname, '../../../corral.sample.yaml'),
    'utf8',
  );
  const env = {
    CORRAL_TOKEN_JDOE: 'jdoe-token-0123456789',
    CORRAL_TOKEN_WALLBOARD: 'wallboard-token-0123456789',
    CORRAL_TOKEN_SLAVES: 'slaves-token-0123456789',
    IPMI_USER: 'corral',
    PDU_COMMUNITY: 'private',
  };

  test('is valid for the collector, whole', () => {
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    const dir = mkdtempSync(path.join(tmpdir(), 'corral-sample-'));
    const file = path.join(dir, 'corral.yaml');
    writeFileSync(file, text);
    const settings = loadSettings(file);
    expect(settings.reboot.methods.map((m) => m.name)).toEqual([
      'graceful',
      'ssh',
      'ipmi',
      'pdu',
      'hands',
    ]);
  });

  test('a reboot chain the collector cannot run stops it with one line naming the key', () => {
    const bad =
      'reboot:\n  methods:\n    - {name: hands, hands: true, argv: []}\n    - {name: ssh, argv: [ssh, x]}\n';
    const dir = mkdtempSync(path.join(tmpdir(), 'corral-bad-'));
    const file = path.join(dir, 'corral.yaml');
    writeFileSync(file, bad);
    expect(() => loadSettings(file)).toThrow(
      /corral\.yaml: reboot\.methods\[0\]: the hands step "hands" must be the last method/,
    );
  });

  test('its reboot section: the graceful, ssh, ipmi, pdu, hands chain and a per-pool chain', () => {
    const raw = (parse(text) as { reboot: unknown }).reboot;
    const s = parseRebootSection(
      JSON.parse(
        JSON.stringify(raw).replace(/\$\{(\w+)\}/g, (_, v: string) => env[v as keyof typeof env]),
      ),
      'corral.sample.yaml',
    );
    expect(s.methods.map((m) => m.name)).toEqual(['graceful', 'ssh', 'ipmi', 'pdu', 'hands']);
    expect(methodsFor(s, 'talos-r3-snow').map((m) => m.name)).toEqual(['ssh', 'pdu', 'hands']);
    const [plan] = planReboot(
      [
        {
          values: valuesFor('t-001', {
            master: 'bm01',
            attributes: { mgmt_host: 't-001-mgmt', pdu: 'pdu1.r3', outlet: '7' },
          }),
          methods: s.methods,
          muted: null,
          rebooting: null,
        },
      ],
      { includeMuted: false },
    );
    expect(plan).toMatchObject({ action: 'reboot' });
    const argv = plan!.action === 'reboot' ? plan!.steps.map((x) => x.argv) : [];
    expect(argv[0]).toContain('http://bm01:8010/buildslaves/t-001/shutdown');
    expect(argv[1]).toEqual([
      'ssh',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      'cltbld@t-001',
      'sudo',
      '/sbin/reboot',
    ]);
    expect(argv[2]).toContain('t-001-mgmt');
    expect(argv[3]).toContain('PowerNet-MIB::sPDUOutletCtl.7');
    expect(argv[4]).toContain('t-001 needs hands: not back after graceful, ssh, ipmi and pdu');
  });
});
