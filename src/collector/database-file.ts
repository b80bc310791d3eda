// Opens the SQLite file the collector trusts with every acknowledged heartbeat: a missing one is
// created whole (never left empty), and one that is empty, damaged, locked, unreadable or newer
// than this program is refused with one line naming the file and what to do.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { accessProblem } from '../nagios/file-access.js';
import {
  SchemaError,
  schemaVersion,
  upgradeSchema,
  versionProblem,
  type SchemaChange,
} from './schema.js';

/** Why the collector cannot use its database, written for the operator (one line). */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
}

export interface OpenedDatabase {
  db: Database.Database;
  /** The file did not exist and was made now. */
  created: boolean;
  /** How an existing file's schema was upgraded; null when it was current. */
  upgraded: SchemaChange | null;
  /** How long the integrity check took, or null when none ran. */
  checkMs: number | null;
}

const DOCTOR = '`corral doctor` checks it without starting';

/**
 * Opens `file` for the store, creating it if it does not exist. With `check`, reads every page
 * first (PRAGMA quick_check), so a damaged file is refused at start, not found by a write later.
 */
export function openDatabase(file: string, { check = false } = {}): OpenedDatabase {
  const size = sizeOf(file);
  if (size === 0) throw emptyFile(file);
  const created = size === null;
  if (created) createWhole(file);
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma('journal_mode = WAL');
    // FULL: a 202 promises the heartbeat survives a power cut, not only a crash.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    const started = performance.now();
    if (check) quickCheck(db, file);
    const checkMs = check ? Math.round(performance.now() - started) : null;
    return { db, created, upgraded: upgradeSchema(db), checkMs };
  } catch (err) {
    db?.close();
    throw explainDatabaseError(file, err);
  }
}

/**
 * What would stop the collector starting on `file`, as its one line, or null; changes nothing
 * (no file created, no upgrade). For `corral doctor`.
 */
export function inspectDatabase(file: string): string | null {
  try {
    const size = sizeOf(file);
    if (size === null) return creationProblem(file);
    if (size === 0) throw emptyFile(file);
    const db = openForReading(file);
    try {
      quickCheck(db, file);
      const problem = versionProblem(schemaVersion(db));
      if (problem !== null) throw new SchemaError(problem);
    } finally {
      db.close();
    }
    return null;
  } catch (err) {
    return explainDatabaseError(file, err).message;
  }
}

/**
 * Opened for writing when allowed, though only read: the last connection to close removes the
 * -wal and -shm files, so reading a database while the collector is stopped leaves none behind
 * (owned by another user, they would stop the collector's next start). Read-only otherwise.
 */
export function openForReading(file: string): Database.Database {
  try {
    return new Database(file, { fileMustExist: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'SQLITE_READONLY' && code !== 'SQLITE_CANTOPEN') throw err;
    return new Database(file, { readonly: true, fileMustExist: true });
  }
}

/** A missing database is created at start: its nearest existing directory must be writable. */
function creationProblem(file: string): string | null {
  let dir = path.dirname(file);
  while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const problem = accessProblem(dir, 'write');
  return problem === null ? null : `cannot create the database ${file}: ${problem}`;
}

function emptyFile(file: string): DatabaseError {
  return new DatabaseError(
    `the database ${file} is empty (0 bytes), which corral never leaves: it was truncated or replaced; restore a backup (docs/backup.md) or delete it to start with an empty one; ${DOCTOR}`,
  );
}

/** One operator line for an error SQLite (or the file system) gave on `file`. */
export function explainDatabaseError(file: string, err: unknown): DatabaseError {
  if (err instanceof DatabaseError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof SchemaError) return new DatabaseError(`the database ${file}: ${message}`);
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new DatabaseError(
      `the database ${file} is damaged (${message}): restore a backup (docs/backup.md), or move it away to start with an empty one; ${DOCTOR}`,
    );
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new DatabaseError(
      `the database ${file} is locked by another process (another collector on the same file?): stop it, or give this collector its own --db`,
    );
  }
  if (
    code === 'SQLITE_CANTOPEN' ||
    code === 'SQLITE_READONLY' ||
    code === 'SQLITE_PERM' ||
    code === 'EACCES'
  ) {
    // SQLite writes beside the file too (its -wal and -shm), so the directory counts.
    const problem = existsSync(file)
      ? (accessProblem(file, 'read') ??
        accessProblem(file, 'write') ??
        accessProblem(path.dirname(file), 'write'))
      : accessProblem(path.dirname(file), 'write');
    if (problem !== null) return new DatabaseError(`${problem} (the database); ${DOCTOR}`);
  }
  return new DatabaseError(`cannot use the database ${file}: ${message}; ${DOCTOR}`);
}

/** Throws SQLITE_CORRUPT-like trouble as a DatabaseError naming the first problem found. */
function quickCheck(db: Database.Database, file: string): void {
  const rows = db.pragma('quick_check(1)') as Array<{ quick_check: string }>;
  const first = oneLine(rows[0]?.quick_check ?? 'no answer');
  if (first !== 'ok') {
    throw new DatabaseError(
      `the database ${file} is damaged (${first}): restore a backup (docs/backup.md), or move it away to start with an empty one; ${DOCTOR}`,
    );
  }
}

/** SQLite's report spans lines ("*** in database main ***\nTree 2 page 2: ..."). */
function oneLine(text: string): string {
  return text
    .replace(/\*\*\* in database \w+ \*\*\*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function sizeOf(file: string): number | null {
  try {
    return statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw explainDatabaseError(file, err);
  }
}

/**
 * Creates the database beside its place and renames it in, so a crash during creation leaves no
 * file (or a whole one) where corral looks: an empty file there is always someone else's doing.
 */
function createWhole(file: string): void {
  const dir = path.dirname(file);
  const temporary = path.join(dir, `.${path.basename(file)}.new-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    const db = new Database(temporary);
    try {
      db.pragma('journal_mode = WAL');
      upgradeSchema(db);
    } finally {
      db.close();
    }
    syncFile(temporary);
    renameSync(temporary, file);
    syncFile(dir);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw explainDatabaseError(file, err);
  }
}

function syncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
