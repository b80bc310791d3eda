// accessProblem (src/nagios/file-access.ts) as a collector that does not run as root meets Nagios's files: run as nobody, in and
// out of the www-data group, against a Debian-like layout (the built dist/nagios/file-access.js).
import { chmodSync, chownSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  canSwitchUser,
  debianNagiosLayout,
  runAsNobody,
  type NagiosLayout,
} from '../../support/as-user.js';

const MODULE = path.resolve(import.meta.dirname, '../../../dist/nagios/file-access.js');

/** accessProblem(file, access) in a process of its own, as nobody with these extra groups. */
async function problemAsNobody(
  file: string,
  access: 'read' | 'write',
  groups: string[] = [],
): Promise<string | null> {
  const script = `import(process.argv[1]).then((m) => console.log(JSON.stringify(m.accessProblem(process.argv[2], process.argv[3]))))`;
  const r = await runAsNobody([process.execPath, '-e', script, MODULE, file, access], groups);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as string | null;
}

describe.skipIf(!canSwitchUser)('accessProblem, as nobody', () => {
  let layout: NagiosLayout;
  beforeAll(() => {
    layout = debianNagiosLayout();
  });
  afterAll(() => {
    if (layout) rmSync(layout.root, { recursive: true, force: true });
  });

  test('outside the group: the closed directory, its owner and mode, and the group to join', async () => {
    expect(await problemAsNobody(layout.commandFile, 'write')).toBe(
      `cannot write ${layout.commandFile}: running as nobody (groups nogroup) may not enter ${layout.dir} (owned by root:www-data, mode 0750); add this user to group www-data (usermod -aG www-data nobody) and restart`,
    );
    expect(await problemAsNobody(layout.statusFile, 'read')).toMatch(
      /may not enter .*nagios4 \(owned by root:www-data, mode 0750\); add this user to group www-data/,
    );
    expect(await problemAsNobody(layout.objectCacheFile, 'read')).toBe(
      `cannot read ${layout.objectCacheFile}: running as nobody (groups nogroup), the file is owned by root:www-data, mode 0640; add this user to group www-data (usermod -aG www-data nobody) and restart`,
    );
  });

  test('in the group: the FIFO through the 2710 rw/ directory is writable, status.dat readable', async () => {
    expect(await problemAsNobody(layout.commandFile, 'write', ['www-data'])).toBeNull();
    expect(await problemAsNobody(layout.statusFile, 'read', ['www-data'])).toBeNull();
    expect(await problemAsNobody(layout.objectCacheFile, 'read', ['www-data'])).toBeNull();
  });

  test("a group that may read but not write is no use to join: change the file's mode", async () => {
    expect(await problemAsNobody(layout.statusFile, 'write', ['www-data'])).toBe(
      `cannot write ${layout.statusFile}: running as nobody (groups www-data, nogroup), the file is owned by root:www-data, mode 0640; its group www-data may not either: change the file's mode or owner`,
    );
  });

  test('a file only its owner may read', async () => {
    const secret = path.join(layout.root, 'inventory.yaml');
    writeFileSync(secret, 'slaves: []\n');
    chownSync(secret, 0, 0);
    chmodSync(secret, 0o600);
    expect(await problemAsNobody(secret, 'read')).toBe(
      `cannot read ${secret}: running as nobody (groups nogroup), the file is owned by root:root, mode 0600; its group root may not either: change the file's mode or owner`,
    );
  });

  test('missing: the file, its directory, or a file where a directory should be', async () => {
    expect(await problemAsNobody(path.join(layout.root, 'status.dat'), 'read')).toBe(
      `${path.join(layout.root, 'status.dat')} does not exist (${layout.root} does): check the path, or is the program that makes it running?`,
    );
    const deep = path.join(layout.root, 'no', 'status.dat');
    expect(await problemAsNobody(deep, 'read')).toBe(
      `${deep} does not exist, nor does its directory ${path.dirname(deep)}: check the path`,
    );
    const under = path.join(layout.objectCacheFile, 'x');
    expect(await problemAsNobody(under, 'read', ['www-data'])).toMatch(
      /cannot read .*objects\.cache\/x: ENOTDIR|cannot exist: .*objects\.cache is not a directory/,
    );
  });
});
