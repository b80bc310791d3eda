// Where the collector's database goes when corral.yaml has no `db:`: $STATE_DIRECTORY (systemd's
// StateDirectory=) when set, else .corral/ beside the config; and a directory the collector's user
// may not write stops the start with one line naming the path, the access problem and db:/--db.
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CORRAL_BIN } from '../../support/collector.js';
import { finished, NOBODY, served, spawnAs } from './as-user.js';

describe('the default database path', () => {
  let root: string;
  let etc: string;
  let state: string;
  const env = (extra: Record<string, string> = {}) => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
    if (extra.STATE_DIRECTORY === undefined) delete e.STATE_DIRECTORY;
    return e;
  };
  const collector = (args: string[], extra?: Record<string, string>) =>
    spawnAs(
      NOBODY,
      [process.execPath, CORRAL_BIN, 'collector', '--listen', '127.0.0.1:0', ...args],
      {
        env: env(extra),
      },
    );

  beforeAll(() => {
    // Like /etc/corral: root's, readable by all, writable by root only.
    root = mkdtempSync(path.join(tmpdir(), 'corral-dbpath-'));
    chmodSync(root, 0o755);
    etc = path.join(root, 'etc', 'corral');
    mkdirSync(etc, { recursive: true, mode: 0o755 });
    writeFileSync(path.join(etc, 'corral.yaml'), 'thresholds: {warning: 6h, critical: 7h}\n');
    // Like /var/lib/corral as systemd makes it for StateDirectory=corral.
    state = path.join(root, 'var', 'lib', 'corral');
    mkdirSync(path.dirname(state), { recursive: true, mode: 0o755 });
    mkdirSync(state, { mode: 0o750 });
    chownSync(state, NOBODY.uid, NOBODY.gid);
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('in a directory the user may not write, the start fails with one line naming the path, who, db: and --db', async () => {
    const run = await finished(collector(['--config', path.join(etc, 'corral.yaml')]));
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(`corral: database ${path.join(etc, '.corral', 'corral.db')}: `);
    expect(lines[0]).toContain(`cannot write ${etc}`);
    expect(lines[0]).toContain('running as nobody');
    expect(lines[0]).toContain('owned by root:root, mode 0755');
    expect(lines[0]).toMatch(/db: in corral\.yaml \(or --db\)/);
    expect(existsSync(path.join(etc, '.corral'))).toBe(false);
  });

  test('a database file the user may not write is named the same way', async () => {
    const dir = path.join(root, 'readonly-db');
    mkdirSync(dir, { mode: 0o755 });
    chownSync(dir, NOBODY.uid, NOBODY.gid);
    const file = path.join(dir, 'corral.db');
    writeFileSync(file, '', { mode: 0o644 });
    const run = await finished(collector(['--db', file]));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`^corral: database ${file}: cannot write ${file}: running as nobody .*--db\\)`),
    );
    // Group root may only read it: joining that group would not help.
    expect(run.stderr).toContain('mode 0644; its group root may not either');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  test('under systemd (STATE_DIRECTORY set) and without db:, the database is $STATE_DIRECTORY/corral.db', async () => {
    const started = await served(
      collector(['--config', path.join(etc, 'corral.yaml')], { STATE_DIRECTORY: state }),
    );
    try {
      expect(started.logs.find((l) => l.msg === 'listening')?.db).toBe(
        path.join(state, 'corral.db'),
      );
      expect(existsSync(path.join(state, 'corral.db'))).toBe(true);
    } finally {
      expect(await started.stop()).toBe(0);
    }
  });

  test('--db and db: still win over STATE_DIRECTORY', async () => {
    writeFileSync(path.join(etc, 'with-db.yaml'), `db: ${path.join(state, 'from-file.db')}\n`);
    const fromFile = await served(
      collector(['--config', path.join(etc, 'with-db.yaml')], { STATE_DIRECTORY: etc }),
    );
    expect(fromFile.logs.find((l) => l.msg === 'listening')?.db).toBe(
      path.join(state, 'from-file.db'),
    );
    expect(await fromFile.stop()).toBe(0);
    const fromFlag = await served(
      collector(['--db', path.join(state, 'from-flag.db')], { STATE_DIRECTORY: etc }),
    );
    expect(fromFlag.logs.find((l) => l.msg === 'listening')?.db).toBe(
      path.join(state, 'from-flag.db'),
    );
    expect(await fromFlag.stop()).toBe(0);
  }, 60_000);
});
