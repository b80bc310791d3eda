// The systemd units in contrib/systemd, as systemd itself reads them (`systemd-analyze verify`: no
// unknown key, no bad value), and the promises docs/deploy.md makes about them.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CORRAL_BIN } from '../../support/collector.js';
import { available } from '../../support/requires.js';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../../..');
const UNITS = ['corral-collector.service', 'corral-watchdog.service'];
const hasAnalyze = available(
  'systemd-analyze',
  existsSync('/usr/bin/systemd-analyze'),
  'apt-get install systemd',
);

const unitText = (name: string) => readFileSync(path.join(REPO, 'contrib/systemd', name), 'utf8');

/** `Key=value` lines of one section; a key given twice keeps every value. */
function section(text: string, name: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let inside = false;
  for (const line of text.split('\n')) {
    if (/^\[.*\]$/.test(line)) inside = line === `[${name}]`;
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (inside && m) keys.set(m[1]!, [...(keys.get(m[1]!) ?? []), m[2]!]);
  }
  return keys;
}

describe.skipIf(!hasAnalyze)('systemd-analyze verify', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'corral-units-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.each(UNITS)('%s has no error and no warning', async (name) => {
    // verify checks that ExecStart's program exists: point it at this checkout's corral.
    const file = path.join(dir, name);
    writeFileSync(file, unitText(name).replaceAll('/usr/bin/corral ', `${CORRAL_BIN} `));
    const result = await run('systemd-analyze', ['verify', file]).catch(
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(result.stderr).toBe('');
  });
});

describe('the collector unit', () => {
  const service = section(unitText('corral-collector.service'), 'Service');
  const one = (key: string) => service.get(key)?.join(' ');

  test('runs the collector as its own user, in www-data for the command file and never nagios', () => {
    expect(one('User')).toBe('corral');
    expect(one('SupplementaryGroups')).toBe('www-data');
    expect(one('ExecStart')).toBe('/usr/bin/corral collector --config /etc/corral/corral.yaml');
  });

  test('keeps its database in StateDirectory, reloads with SIGHUP, logs to the journal', () => {
    expect(one('StateDirectory')).toBe('corral');
    expect(one('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(one('StandardOutput')).toBe('journal');
  });

  test('is sandboxed, with the Nagios command directory the one place outside its own it writes', () => {
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ReadWritePaths')).toBe('-/var/lib/nagios4/rw');
    expect(one('CapabilityBoundingSet')).toBe('');
  });
});

test('the watchdog unit is the one docs/agent.md shows (and the README copies)', () => {
  const docs = readFileSync(path.join(REPO, 'docs/agent.md'), 'utf8');
  const block = /<!-- in README: systemd-unit -->\s*\n```ini\n([\s\S]*?)```\n/.exec(docs)?.[1];
  expect(block).toBe(unitText('corral-watchdog.service'));
});
