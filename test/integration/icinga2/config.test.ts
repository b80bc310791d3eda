// `corral icinga2-config` and the `icinga2:` section of corral.yaml: the objects it prints are
// accepted by the real icinga2 (`daemon -C`), its ApiUser holds only the listed permissions and no
// secret; a bad section stops the collector with one line naming the key.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiPermissions } from '../../../src/icinga2/objects.js';
import { runCorral } from '../agent/run-cli.js';
import { hasIcinga2, ICINGA2_BIN } from '../../support/icinga2.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'corral-icinga2-config-'));
  writeFileSync(
    path.join(dir, 'inventory.yaml'),
    'slaves:\n  - talos-1\n  - {name: snow-1, pool: snow}\n',
  );
  writeFileSync(path.join(dir, 'password'), 'the-secret-password\n');
  writeFileSync(
    path.join(dir, 'ca.crt'),
    '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const ICINGA = [
  'icinga2:',
  '  url: https://icinga-master:5665',
  '  ca: ca.crt',
  '  user: corral-bot',
  '  password_file: password',
];

describe('corral icinga2-config', () => {
  test('prints objects with per-pool freshness, the ApiUser with exactly the permissions corral needs, no secret', async () => {
    const file = config('corral.yaml', [
      'inventory: inventory.yaml',
      'thresholds: {warning: 6h, critical: 7h}',
      'pools: {snow: {warning: 30h, critical: 36h}}',
      ...ICINGA,
    ]);
    const run = await runCorral([
      'icinga2-config',
      '--config',
      file,
      '--collector',
      'http://10.0.0.5:8474',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('object ApiUser "corral-bot" {');
    expect(run.stdout).not.toContain('the-secret-password');
    const granted = [...run.stdout.matchAll(/"((?:actions|objects|events)\/[^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(granted.sort()).toEqual(apiPermissions().sort());
    expect(run.stdout).not.toMatch(/"\*"/);
    expect(run.stdout).toMatch(/host_name = "talos-1"; check_interval = 25200s;/);
    expect(run.stdout).toMatch(/host_name = "snow-1"; check_interval = 129600s;/);
    expect(run.stdout).toContain('"--collector", "http://10.0.0.5:8474"');
  });

  test.skipIf(!hasIcinga2)('what it prints is a valid Icinga 2 configuration', async () => {
    const file = config('valid.yaml', ['inventory: inventory.yaml', ...ICINGA]);
    const run = await runCorral(['icinga2-config', '--config', file]);
    const conf = path.join(dir, 'icinga2.conf');
    writeFileSync(conf, ['include <itl>', run.stdout].join('\n'));
    const dirs = ['DataDir', 'LogDir', 'CacheDir', 'SpoolDir', 'InitRunDir'].map((d) => {
      mkdirSync(path.join(dir, d), { recursive: true });
      return `-D${d}=${path.join(dir, d)}`;
    });
    const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
    const r = spawnSync(ICINGA2_BIN, ['daemon', '-C', '-c', conf, ...dirs], {
      encoding: 'utf8',
      env: { ...process.env, ICINGA2_USER: userInfo().username, ICINGA2_GROUP: group },
      timeout: 60_000,
    });
    expect(`${r.stdout}${r.stderr}`).toContain('Finished validating the configuration file(s).');
    expect(r.status).toBe(0);
  });
});

describe('icinga2: in corral.yaml', () => {
  const start = async (lines: string[]) => {
    const run = await runCorral(['collector', '--config', config('bad.yaml', lines)]);
    expect(run.code).not.toBe(0);
    const out = run.stderr.trim().split('\n');
    expect(out).toHaveLength(1);
    return out[0]!;
  };

  test('a URL that is not https is refused, naming the key', async () => {
    expect(await start([...ICINGA].map((l) => l.replace('https://', 'http://')))).toMatch(
      /icinga2\.url: the Icinga 2 API URL is https:\/\/HOST:PORT/,
    );
  });

  test('both password and password_file, or neither, is refused', async () => {
    expect(await start([...ICINGA, '  password: x'])).toMatch(
      /icinga2: give exactly one of password and password_file/,
    );
  });

  test('a missing password file and a CA file without a certificate are named', async () => {
    expect(
      await start(ICINGA.map((l) => l.replace('password_file: password', 'password_file: nope'))),
    ).toMatch(/icinga2\.password_file: .*nope does not exist/);
    writeFileSync(path.join(dir, 'not-a-ca'), 'hello\n');
    expect(await start(ICINGA.map((l) => l.replace('ca: ca.crt', 'ca: not-a-ca')))).toMatch(
      /icinga2\.ca: .*not-a-ca holds no PEM certificate/,
    );
  });
});
