// Runs commands as another user (nobody), and lays out Nagios's files as Debian's nagios4 does, in a
// temp dir: what the collector meets when it does not run as root. Needs root (runuser).
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { available } from './requires.js';

export const RUNUSER = '/usr/sbin/runuser';
/** Tests that switch users run only as root: a loud skip elsewhere, a failure under CI. */
export const canSwitchUser = available(
  'root (to run commands as nobody)',
  process.getuid?.() === 0,
  'run the tests as root, as CI does',
);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** argv as `nobody` (primary group nogroup), with extra groups, e.g. ['www-data']. */
export function runAsNobody(
  argv: readonly string[],
  groups: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<Run> {
  const switchArgs = ['-u', 'nobody', '-g', 'nogroup', ...groups.flatMap((g) => ['-G', g]), '--'];
  return new Promise((resolve) => {
    execFile(
      RUNUSER,
      [...switchArgs, ...argv],
      { env: { PATH: '/usr/bin:/bin', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface NagiosLayout {
  /** The temp dir (0755, so nobody may enter it); remove it when done. */
  root: string;
  /** Like /var/lib/nagios4: root:www-data 0750. */
  dir: string;
  /** Like /var/lib/nagios4/rw: root:www-data 2710 (members may enter, not list). */
  rw: string;
  /** The command FIFO: root:www-data 0660. */
  commandFile: string;
  /** root:www-data 0640. */
  statusFile: string;
  /** Like /var/cache/nagios4/objects.cache: root:www-data 0640 in a 0755 dir. */
  objectCacheFile: string;
}

export function debianNagiosLayout(): NagiosLayout {
  const root = mkdtempSync(path.join(tmpdir(), 'corral-as-nobody-'));
  chmodSync(root, 0o755);
  const gid = Number(
    execFileSync('getent', ['group', 'www-data'], { encoding: 'utf8' }).split(':')[2],
  );
  const dir = path.join(root, 'nagios4');
  const rw = path.join(dir, 'rw');
  const commandFile = path.join(rw, 'nagios.cmd');
  const statusFile = path.join(dir, 'status.dat');
  const cache = path.join(root, 'cache');
  const objectCacheFile = path.join(cache, 'objects.cache');
  mkdirSync(rw, { recursive: true });
  mkdirSync(cache);
  execFileSync('mkfifo', ['-m', '0660', commandFile]);
  writeFileSync(statusFile, 'info {\n\tcreated=1\n\t}\n');
  writeFileSync(objectCacheFile, '');
  for (const [file, mode] of [
    [dir, 0o750],
    [rw, 0o2710],
    [commandFile, 0o660],
    [statusFile, 0o640],
    [cache, 0o755],
    [objectCacheFile, 0o640],
  ] as const) {
    chownSync(file, 0, gid);
    chmodSync(file, mode);
  }
  return { root, dir, rw, commandFile, statusFile, objectCacheFile };
}
