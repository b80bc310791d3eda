// corral talks to one monitoring system: a corral.yaml with both `nagios:` and `icinga2:` stops the
// collector at start with one line naming both keys, before anything is opened or created.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCorral } from '../agent/run-cli.js';

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function config(text: string): string {
  dir = mkdtempSync(path.join(tmpdir(), 'corral-one-backend-'));
  const file = path.join(dir, 'corral.yaml');
  writeFileSync(file, text);
  return file;
}

describe('one monitoring system in corral.yaml', () => {
  it('refuses nagios: and icinga2: together with one line naming both, creating nothing', async () => {
    const file = config(
      [
        'listen: 127.0.0.1:0',
        'db: data/corral.db',
        'nagios:',
        '  command_file: /nonexistent/nagios.cmd',
        'icinga2:',
        '  url: https://127.0.0.1:5665',
        '',
      ].join('\n'),
    );
    const run = await runCorral(['collector', '--config', file]);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual([
      `corral: ${file}: nagios, icinga2: set only one of them (corral talks to one monitoring system): remove the other section`,
    ]);
    expect(existsSync(path.join(dir!, 'data'))).toBe(false);
  });
});
