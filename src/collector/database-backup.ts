// A consistent copy of the live database (SQLite's VACUUM INTO, one read transaction: the
// collector keeps writing meanwhile), checked, then renamed into place so FILE is whole or absent.
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { accessProblem } from '../nagios/file-access.js';
import { DatabaseError, explainDatabaseError, openForReading } from './database-file.js';

export interface BackupResult {
  bytes: number;
  slaves: number;
  heartbeats: number;
  actions: number;
  schema: number;
  ms: number;
}

/**
 * Copies `source` to `target`. The copy is compact (free pages dropped) and passes an integrity
 * check before it replaces anything; an existing `target` is replaced only with `replace`.
 */
export function backupDatabase(
  source: string,
  target: string,
  { replace = false } = {},
): BackupResult {
  const started = performance.now();
  checkSource(source);
  if (existsSync(target)) {
    if (sameFile(source, target)) {
      throw new DatabaseError(`${target} is the live database itself: back it up to another file`);
    }
    if (!replace) {
      throw new DatabaseError(
        `${target} already exists: choose another name, or add --force to replace it`,
      );
    }
  }
  const folder = accessProblem(path.dirname(target), 'write');
  if (folder !== null) throw new DatabaseError(`cannot write the backup: ${folder}`);
  const partial = path.join(
    path.dirname(target),
    `.${path.basename(target)}.partial-${process.pid}`,
  );
  rmSync(partial, { force: true });
  try {
    copy(source, partial);
    const counts = verify(partial);
    syncPath(partial);
    renameSync(partial, target);
    syncPath(path.dirname(target));
    return { ...counts, bytes: statSync(target).size, ms: Math.round(performance.now() - started) };
  } catch (err) {
    rmSync(partial, { force: true });
    if (err instanceof DatabaseError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && !code.startsWith('SQLITE')) {
      throw new DatabaseError(`cannot write the backup ${target}: ${(err as Error).message}`);
    }
    throw explainDatabaseError(source, err);
  }
}

function checkSource(source: string): void {
  let size: number;
  try {
    size = statSync(source).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DatabaseError(
        `there is no database at ${source}: give the collector's with --db or --config`,
      );
    }
    throw explainDatabaseError(source, err);
  }
  if (size === 0) {
    throw new DatabaseError(
      `the database ${source} is empty (0 bytes): there is nothing to back up; restore an earlier backup (docs/backup.md)`,
    );
  }
}

function copy(source: string, partial: string): void {
  const db = openForReading(source);
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('VACUUM INTO ?').run(partial);
  } finally {
    db.close();
  }
}

/** Opens the copy as the collector would read it, and counts what it holds. */
function verify(file: string): Omit<BackupResult, 'bytes' | 'ms'> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('quick_check(1)', { simple: true }) as string;
    if (check !== 'ok') throw new DatabaseError(`the copy failed its integrity check: ${check}`);
    const count = (table: string) =>
      db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return {
      slaves: count('slaves'),
      heartbeats: count('heartbeats'),
      actions: count('actions'),
      schema: db.pragma('user_version', { simple: true }) as number,
    };
  } finally {
    db.close();
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function syncPath(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
