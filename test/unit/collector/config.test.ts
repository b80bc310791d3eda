import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, parseListen } from '../../../src/collector/config.js';

function withConfig(text: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-config-'));
  const file = path.join(dir, 'corral.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

describe('loadSettings', () => {
  it('has the docs/design.md defaults without a file', () => {
    const s = loadSettings(undefined);
    expect(s.listen).toBe('127.0.0.1:8474');
    expect(s.thresholds.default).toEqual({ warningSeconds: 21600, criticalSeconds: 25200 });
    expect(s.limits).toMatchObject({ bodyBytes: 1048576, batch: 5000 });
    expect(s.tokens).toEqual([]);
    expect(s.history).toEqual({ starts: 50, retentionSeconds: 30 * 86400, checkpointSeconds: 5 });
    expect(s.limits.unlistedSlaves).toBe(50_000);
    expect(s.http).toEqual({
      allowedHosts: [],
      maxConnections: 4096,
      maxConnectionsPerAddress: 256,
      idleTimeoutSeconds: 10,
    });
  });

  it('takes how often slave rows are checkpointed, between 1s and 1h', () => {
    expect(loadSettings(withConfig('history: {checkpoint: 30s}').file).history).toMatchObject({
      checkpointSeconds: 30,
    });
    expect(() => loadSettings(withConfig('history: {checkpoint: 2h}').file)).toThrow(
      /history\.checkpoint: a checkpoint interval is between 1s and 1h/,
    );
  });

  it('takes how many on-time starts make a muted slave healthy, no more than the starts kept', () => {
    expect(loadSettings(undefined).hygiene).toEqual({ healthyStarts: 3 });
    expect(loadSettings(withConfig('hygiene: {healthy_starts: 5}').file).hygiene).toEqual({
      healthyStarts: 5,
    });
    const { file } = withConfig('history: {starts: 4}\nhygiene: {healthy_starts: 5}');
    expect(() => loadSettings(file)).toThrow(
      `${file}: hygiene.healthy_starts: 5 is more than the 4 starts kept (history.starts): lower it or keep more`,
    );
    expect(() => loadSettings(withConfig('hygiene: {healthy_starts: 0}').file)).toThrow(
      /hygiene\.healthy_starts: healthy_starts is 1 or more/,
    );
  });

  it('takes how long park downtimes last and how long before their end they are renewed', () => {
    expect(loadSettings(undefined).parking).toEqual({
      downtimeSeconds: 7 * 86400,
      renewBeforeSeconds: 86400,
    });
    const short = withConfig('parking: {downtime: 16s, renew_before: 8s}').file;
    expect(loadSettings(short).parking).toEqual({ downtimeSeconds: 16, renewBeforeSeconds: 8 });
    expect(() => loadSettings(withConfig('parking: {downtime: 1d}').file)).toThrow(
      /^[^\n]*parking: renew_before must be shorter than downtime \(a park downtime is renewed before it ends\)$/,
    );
    expect(() => loadSettings(withConfig('parking: {downtime: 400d}').file)).toThrow(
      /parking\.downtime: a downtime lasts at most 366 days/,
    );
    expect(() => loadSettings(withConfig('parking: {renew: 1d}').file)).toThrow(/parking.*renew/);
  });

  it('reads the docs/design.md example, with ${VAR} from the environment and paths beside the file', () => {
    process.env.CORRAL_TEST_TOKEN = 'jdoe-token-0123456789';
    const { dir, file } = withConfig(`
listen: 127.0.0.1:9000
db: data/corral.db
thresholds: {warning: 6h, critical: 7h}
pools:
  talos-r3-snow: {warning: 30h, critical: 36h}
  quick: {warning: 5h}
inventory: inventory.yaml
tokens:
  - {name: jdoe, role: operator, token: "\${CORRAL_TEST_TOKEN}"}
nagios:
  command_file: /var/lib/nagios4/rw/nagios.cmd
  host: "{slave}"
  service: buildbot-start
reboot:
  concurrency: 16
  methods:
    - {name: ssh, argv: [ssh, -o, BatchMode=yes, "cltbld@{host}", sudo, /sbin/reboot], timeout: 30s, wait: 15m}
`);
    const s = loadSettings(file, { listen: '127.0.0.1:0' });
    expect(s.listen).toBe('127.0.0.1:0');
    expect(s.db).toBe(path.join(dir, 'data/corral.db'));
    expect(s.inventory).toBe(path.join(dir, 'inventory.yaml'));
    expect(s.thresholds.pools['talos-r3-snow']).toEqual({
      warningSeconds: 108000,
      criticalSeconds: 129600,
    });
    expect(s.thresholds.pools.quick).toEqual({ warningSeconds: 18000, criticalSeconds: 25200 });
    expect(s.tokens).toEqual([{ name: 'jdoe', role: 'operator', token: 'jdoe-token-0123456789' }]);
    expect(s.reboot.methods[0]).toMatchObject({
      name: 'ssh',
      timeoutMs: 30_000,
      waitMs: 900_000,
      hands: false,
    });
    expect(s.nagios).toMatchObject({
      commandFile: '/var/lib/nagios4/rw/nagios.cmd',
      statusFile: null,
      confirmWithinSeconds: 60,
    });
  });

  it('takes how long an action waits for Nagios to confirm it', () => {
    const { file } = withConfig('nagios: {confirm_within: 2m}');
    expect(loadSettings(file).nagios.confirmWithinSeconds).toBe(120);
    const bad = withConfig('nagios: {confirm_within: soon}');
    expect(() => loadSettings(bad.file)).toThrow(
      /nagios\.confirm_within: "soon" is not a duration/,
    );
  });

  it("takes Nagios's status interval (10s by default, as on Debian)", () => {
    expect(loadSettings(withConfig('listen: 127.0.0.1:0').file).nagios.statusIntervalSeconds).toBe(
      10,
    );
    expect(loadSettings(withConfig('nagios: {status_interval: 1s}').file).nagios).toMatchObject({
      statusIntervalSeconds: 1,
    });
    expect(() => loadSettings(withConfig('nagios: {status_interval: 0s}').file)).toThrow(
      /nagios\.status_interval: "0s" is not a duration/,
    );
  });
});

describe('a bad config file stops the start with one line naming the file and the key', () => {
  it.each([
    ['thresholds: {warning: 6x}', /corral\.yaml: thresholds\.warning: "6x" is not a duration/],
    [
      'thresholds: {warning: 8h, critical: 7h}',
      /corral\.yaml: thresholds: warning must be shorter than critical/,
    ],
    [
      'pools: {snow: {warning: 8h}}',
      /corral\.yaml: pools\.snow: warning must be shorter than critical/,
    ],
    ['listn: 127.0.0.1:1', /corral\.yaml: \(top level\): unknown key "listn"/],
    [
      'tokens: [{name: a, role: admin, token: "0123456789abcdef"}]',
      /tokens\.0\.role: role must be one of heartbeat, viewer, operator/,
    ],
    [
      'tokens: [{name: a, role: viewer, token: short}]',
      /tokens\.0\.token: a token has at least 16 characters/,
    ],
    [
      'tokens: [{name: a, role: viewer, token: "${CORRAL_UNSET_VAR}"}]',
      /tokens\.0\.token: environment variable CORRAL_UNSET_VAR is not set/,
    ],
    ['limits: {batch: many}', /limits\.batch/],
    ['limits: {unlisted_slaves: -1}', /limits\.unlisted_slaves: /],
    [
      'http: {allowed_hosts: ["http://corral.example.org"]}',
      /corral\.yaml: http\.allowed_hosts\.0: expected a host name such as corral\.example\.org \(no scheme, port or path\)/,
    ],
    [
      'http: {allowed_hosts: corral.example.org}',
      /http\.allowed_hosts: expected a list of host names/,
    ],
    ['http: {max_connections: 0}', /http\.max_connections: /],
    ['http: {idle_timeout: 2h}', /http\.idle_timeout: an idle timeout is between 1s and 1h/],
    ['listen: [1, 2', /corral\.yaml: not valid YAML/],
    [
      'nagios: {host: "buildhost"}',
      /corral\.yaml: nagios\.host: host template "buildhost" is refused: it must contain \{slave\}/,
    ],
    ['nagios: {host: "{slave};x"}', /corral\.yaml: nagios\.host: /],
    ['nagios: {service: "build;bot"}', /corral\.yaml: nagios\.service: /],
    [
      'reboot: {methods: [{name: ssh, argv: ["{host}", x]}]}',
      /corral\.yaml: reboot\.methods\[0\]: /,
    ],
    [
      'tokens: [{name: a, role: viewer, token: "0123456789 abcdef"}]',
      /corral\.yaml: tokens\.0\.token: a token is printable ASCII without spaces/,
    ],
    [
      'tokens: [{name: a, role: viewer, token: "0123456789abcdef\\t"}]',
      /corral\.yaml: tokens\.0\.token: a token is printable ASCII without spaces or control/,
    ],
    [
      'tokens: [{name: a, role: viewer}]',
      /corral\.yaml: tokens\.0: give exactly one of token and token_file/,
    ],
    [
      'tokens: [{name: a, role: viewer, token: "0123456789abcdef", token_file: t}]',
      /corral\.yaml: tokens\.0: give exactly one of token and token_file/,
    ],
    [
      'tokens: [{name: a, role: viewer, token_file: no-such-token}]',
      /corral\.yaml: tokens\.0\.token_file: \S+no-such-token does not exist/,
    ],
    ['listen: &l [*l]', /corral\.yaml: listen\.0: alias \*l refers to itself/],
    ['thresholds: {warning: *w}', /corral\.yaml: thresholds\.warning: alias \*w names no anchor/],
    [
      'a: &a [x, x, x, x, x, x, x, x, x, x]\n' +
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n' +
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n' +
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n' +
        'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
      /corral\.yaml: d\.7: aliases expand to more than 10000 values \(an alias bomb\?\)/,
    ],
    [
      'pools: ' + '['.repeat(40) + ']'.repeat(40),
      /corral\.yaml: line 1, column \d+: nested deeper/,
    ],
    [
      'listen: a\nlisten: b',
      /corral\.yaml: not valid YAML: line 2, column 1: Map keys must be unique/,
    ],
  ])('%s', (text, message) => {
    const { file } = withConfig(text);
    let error: Error | undefined;
    try {
      loadSettings(file);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toMatch(/\n/);
  });

  it('refuses one token listed twice, naming both entries and never the token', () => {
    const { file } = withConfig(`
tokens:
  - {name: jdoe, role: operator, token: same-token-0123456789}
  - {name: wallboard, role: viewer, token: other-token-0123456789}
  - {name: kiosk, role: viewer, token: same-token-0123456789}
`);
    let error: Error | undefined;
    try {
      loadSettings(file);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(
      /corral\.yaml: tokens\.2: "kiosk" has the same token as "jdoe" \(tokens\.0\): give each its own token/,
    );
    expect(error?.message).not.toContain('same-token');
  });

  it('reads token_file beside the config, trimmed of one trailing newline', () => {
    const { dir, file } = withConfig(`
tokens:
  - {name: slaves, role: heartbeat, token_file: secrets/slaves.token}
  - {name: jdoe, role: operator, token: jdoe-token-0123456789}
`);
    mkdirSync(path.join(dir, 'secrets'));
    writeFileSync(path.join(dir, 'secrets/slaves.token'), 'slaves-token-0123456789\n');
    expect(loadSettings(file).tokens).toEqual([
      { name: 'slaves', role: 'heartbeat', token: 'slaves-token-0123456789' },
      { name: 'jdoe', role: 'operator', token: 'jdoe-token-0123456789' },
    ]);
    // Only one newline goes: a second one is inside the token, which cannot hold it.
    writeFileSync(path.join(dir, 'secrets/slaves.token'), 'slaves-token-0123456789\n\n');
    expect(() => loadSettings(file)).toThrow(
      /tokens\.0\.token_file: \S+slaves\.token: a token is printable ASCII without spaces/,
    );
    writeFileSync(path.join(dir, 'secrets/slaves.token'), 'jdoe-token-0123456789');
    expect(() => loadSettings(file)).toThrow(/tokens\.1: "jdoe" has the same token as "slaves"/);
  });

  it('names a missing file', () => {
    expect(() => loadSettings('/nonexistent/corral.yaml')).toThrow(
      /\/nonexistent\/corral\.yaml: cannot read the config file \(no such file\)/,
    );
  });
});

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:8474', { host: '127.0.0.1', port: 8474 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    [':9000', { host: '127.0.0.1', port: 9000 }],
    ['0.0.0.0:8474', { host: '0.0.0.0', port: 8474 }],
  ])('%s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });

  it.each(['8474', 'localhost', 'host:99999', 'a:b'])('refuses %s', (text) => {
    expect(() => parseListen(text)).toThrow(/is not host:port/);
  });
});
