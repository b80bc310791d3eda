// The database's directory, made before the store opens the file, so a start that may not write
// there fails with one line naming the path, who we run as, what stops us and the setting to change.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { accessProblem } from '../nagios/file-access.js';
import { isPostgresUrl } from './database-url.js';

const FIX = 'or set db: in corral.yaml (or --db) to a path this user may write';

/** `null` when the database file can be made or written (its directory made if need be); else one line. */
export function databaseDirProblem(file: string): string | null {
  if (file === ':memory:' || isPostgresUrl(file)) return null; // no directory: a server
  const dir = path.dirname(file);
  let mkdirCode: string | undefined;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    mkdirCode = (err as NodeJS.ErrnoException).code;
  }
  // SQLite makes its -wal and -shm files beside the database: the directory must be writable too.
  const problem =
    accessProblem(nearestExisting(dir), 'write') ??
    (existsSync(file) ? accessProblem(file, 'write') : null) ??
    (mkdirCode === undefined ? null : `cannot make ${dir} (${mkdirCode})`);
  return problem === null ? null : `database ${file}: ${problem}; ${FIX}`;
}

/** The directory itself, or the closest ancestor that exists: the one mkdir needed to write in. */
function nearestExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}
