// Why this process cannot read or write a file, said so an operator can fix it: who we run as, who
// owns the file (or the directory that stops us) and its mode, and which group to join.
import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';

export type Access = 'read' | 'write';

/** `null` when this process may `access` the file so; else one line that names the fix. */
export function accessProblem(file: string, access: Access): string | null {
  const mode = access === 'read' ? constants.R_OK : constants.W_OK;
  try {
    accessSync(file, mode);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return missing(file);
    if (code !== 'EACCES' && code !== 'EPERM')
      return `cannot ${access} ${file}: ${code ?? String(err)}`;
    return denied(file, access);
  }
}

/** The nearest directory that exists, so "missing" can say whether it is the file or its folder. */
function missing(file: string): string {
  const parent = dirname(file);
  const stats = statOrNull(parent);
  if (stats === null)
    return `${file} does not exist, nor does its directory ${parent}: check the path`;
  if (!stats.isDirectory()) return `${file} cannot exist: ${parent} is not a directory`;
  return `${file} does not exist (${parent} does): check the path, or is the program that makes it running?`;
}

function denied(file: string, access: Access): string {
  const who = describeSelf();
  // The file may be fine and a directory on the way shut: name the first one we cannot enter.
  const blocker = closedDirectoryOn(file);
  if (blocker !== null) {
    return `cannot ${access} ${file}: ${who} may not enter ${blocker.path} (${describeOwner(blocker.stats)}); ${joinHint(blocker.stats, 0o010)}`;
  }
  const stats = statOrNull(file);
  if (stats === null)
    return `cannot ${access} ${file}: ${who} may not see it; check its directory's permissions`;
  return `cannot ${access} ${file}: ${who}, the file is ${describeOwner(stats)}; ${joinHint(stats, access === 'read' ? 0o040 : 0o020)}`;
}

function closedDirectoryOn(file: string): { path: string; stats: Stats } | null {
  const dirs: string[] = [];
  for (let d = dirname(file); ; d = dirname(d)) {
    dirs.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of dirs) {
    try {
      accessSync(d, constants.X_OK);
    } catch {
      const stats = statOrNull(d);
      if (stats) return { path: d, stats };
      return null;
    }
  }
  return null;
}

/** Joining the group helps only if the group has the permission bit needed (`groupBit`). */
function joinHint(stats: Stats, groupBit: number): string {
  const group = groupName(stats.gid);
  if ((stats.mode & groupBit) !== 0)
    return `add this user to group ${group} (usermod -aG ${group} ${userInfo().username}) and restart`;
  return `its group ${group} may not either: change the file's mode or owner`;
}

function describeSelf(): string {
  const me = userInfo();
  const groups = (process.getgroups?.() ?? [me.gid]).map(groupName);
  return `running as ${me.username} (groups ${[...new Set(groups)].join(', ')})`;
}

function describeOwner(stats: Stats): string {
  const mode = (stats.mode & 0o7777).toString(8).padStart(4, '0');
  return `owned by ${userName(stats.uid)}:${groupName(stats.gid)}, mode ${mode}`;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Names from /etc/passwd and /etc/group (Node has no getpwuid); the number when not listed. */
function userName(uid: number): string {
  return lookup('/etc/passwd', uid) ?? String(uid);
}

export function groupName(gid: number): string {
  return lookup('/etc/group', gid) ?? String(gid);
}

function lookup(file: string, id: number): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[2] === String(id)) return fields[0] ?? null;
  }
  return null;
}
