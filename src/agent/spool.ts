// The local spool: heartbeats that could not be delivered, kept as fsynced JSON lines and replayed in order later.
import { constants, promises as fs } from 'node:fs';
import { accessSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { heartbeatSchema, type HeartbeatInput } from '../domain/heartbeat.js';

export const SPOOL_FILE = 'heartbeats.jsonl';
/** A directory, because mkdir is atomic everywhere, in Node and in `bin/corral-beat.sh` alike. */
export const SPOOL_LOCK = 'heartbeats.lock';
export const DEFAULT_SPOOL_MAX = 1000;
/** Every holder keeps the lock for milliseconds; one this old was left by a killed process. */
const STALE_LOCK_MS = 60_000;
const LOCK_POLL_MS = 25;
/** How long append and remove wait for the lock when the caller gives no deadline. */
const DEFAULT_LOCK_WAIT_MS = 1000;

function defaultDeadline(): number {
  return performance.now() + DEFAULT_LOCK_WAIT_MS;
}

/** One spooled heartbeat: the exact line in the file (its identity) and what it says. */
export interface SpoolEntry {
  line: string;
  heartbeat: HeartbeatInput & { at: string };
}

export interface SpoolContents {
  entries: SpoolEntry[];
  /** Lines that are not a valid heartbeat (a crash mid-write); dropped at the next rewrite. */
  unreadable: number;
}

/** Where spooled heartbeats live when no --spool-dir or $CORRAL_SPOOL_DIR says otherwise. */
export function defaultSpoolDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CORRAL_SPOOL_DIR) return env.CORRAL_SPOOL_DIR;
  if (process.platform === 'win32') {
    return path.join(env.ProgramData ?? 'C:\\ProgramData', 'corral', 'spool');
  }
  const system = '/var/spool/corral';
  if (writable(system) || writable(path.dirname(system))) return system;
  return path.join(os.homedir(), '.corral', 'spool');
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export class Spool {
  readonly file: string;
  readonly lockDir: string;

  constructor(
    readonly dir: string,
    readonly maxEntries = DEFAULT_SPOOL_MAX,
  ) {
    this.file = path.join(dir, SPOOL_FILE);
    this.lockDir = path.join(dir, SPOOL_LOCK);
  }

  /** The spooled heartbeats, oldest first. Reading needs no lock: lines are only ever appended whole. */
  async read(): Promise<SpoolContents> {
    return parseSpool(await this.readText());
  }

  private async readText(): Promise<string> {
    try {
      return await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    }
  }

  /**
   * Adds one heartbeat at the end, fsynced. When the spool is full the oldest are dropped;
   * the number dropped is returned so the caller can warn about it. `deadline` bounds the wait
   * for the lock (see update).
   */
  async append(
    heartbeat: SpoolEntry['heartbeat'],
    deadline = defaultDeadline(),
  ): Promise<{ dropped: number; waiting: number }> {
    const { dropped, waiting } = await this.update([], heartbeat, deadline);
    return { dropped, waiting: waiting ?? 1 };
  }

  /**
   * Removes lines that were delivered (or given up on). Only those exact lines go, so a
   * heartbeat another beat appended meanwhile stays. Returns false when the lock could not
   * be had by the deadline: the lines stay and are sent again later, which the collector takes
   * as a duplicate.
   */
  async remove(lines: Iterable<string>, deadline = defaultDeadline()): Promise<boolean> {
    return (await this.update(lines, null, deadline)).removed;
  }

  /**
   * Removes the lines given and appends a heartbeat, under one lock and in one write.
   * The lock is waited for until `deadline` (a `performance.now()` time) and no longer. Without
   * it nothing is removed, but the heartbeat is still appended (O_APPEND, one whole line): a lock
   * held that long was most likely left by a beat killed mid-way, and a heartbeat is worth more
   * than a line sent twice (`withoutLock`). `waiting` is null when the spool was not looked at.
   */
  async update(
    lines: Iterable<string>,
    heartbeat: SpoolEntry['heartbeat'] | null,
    deadline: number,
  ): Promise<{ removed: boolean; withoutLock: boolean; dropped: number; waiting: number | null }> {
    const gone = new Set(lines);
    const line = heartbeat === null ? null : JSON.stringify(heartbeat);
    if (gone.size === 0 && line === null) {
      return { removed: true, withoutLock: false, dropped: 0, waiting: null };
    }
    if (line !== null) await fs.mkdir(this.dir, { recursive: true });
    const release = await this.lock(deadline);
    if (!release) {
      const waiting = line === null ? null : await this.appendTo(await this.readText(), line);
      return { removed: gone.size === 0, withoutLock: true, dropped: 0, waiting };
    }
    try {
      const text = await this.readText();
      const { entries, unreadable } = parseSpool(text);
      const kept = entries.filter((e) => !gone.has(e.line)).map((e) => e.line);
      const room = line === null ? Infinity : this.maxEntries - 1;
      const untouched = kept.length === entries.length && unreadable === 0;
      if (untouched && kept.length <= room) {
        const waiting = line === null ? kept.length : await this.appendTo(text, line);
        return { removed: true, withoutLock: false, dropped: 0, waiting };
      }
      // Something goes (delivered, too many, torn): rewrite, the oldest dropped first when full.
      const keep = kept.slice(Math.max(0, kept.length - room));
      const next = line === null ? keep : [...keep, line];
      await this.rewrite(next);
      return {
        removed: true,
        withoutLock: false,
        dropped: kept.length - keep.length,
        waiting: next.length,
      };
    } finally {
      await release();
    }
  }

  /** One line at the end; the number of heartbeats then waiting. */
  private async appendTo(text: string, line: string): Promise<number> {
    // A line torn by a crash must not swallow this one.
    const torn = text !== '' && !text.endsWith('\n');
    await appendLine(this.file, torn ? `\n${line}` : line);
    return parseSpool(text).entries.length + 1;
  }

  /** Replaces the file atomically: a temp file, fsynced, renamed over it. */
  private async rewrite(lines: string[]): Promise<void> {
    const temp = `${this.file}.${process.pid}.tmp`;
    const handle = await fs.open(temp, 'w', 0o644);
    try {
      await handle.writeFile(lines.map((l) => `${l}\n`).join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, this.file);
    await syncDir(this.dir);
  }

  /**
   * Takes the lock, waiting until `deadline` (a `performance.now()` time) at the most; null when
   * it could not be had by then. One attempt is always made, even past the deadline.
   */
  private async lock(deadline: number): Promise<(() => Promise<void>) | null> {
    for (;;) {
      try {
        await fs.mkdir(this.lockDir);
        return async () => {
          await fs.rmdir(this.lockDir).catch(() => undefined);
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      // The lock's age is a wall-clock matter (another process made it): mtime against Date.now.
      const stat = await fs.stat(this.lockDir).catch(() => null);
      if (stat && Date.now() - stat.mtimeMs > STALE_LOCK_MS) {
        await fs.rmdir(this.lockDir).catch(() => undefined);
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0) return null;
      await new Promise((resolve) => setTimeout(resolve, Math.min(LOCK_POLL_MS, left)));
    }
  }
}

export function parseSpool(text: string): SpoolContents {
  const entries: SpoolEntry[] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const heartbeat = parseLine(line);
    if (heartbeat) entries.push({ line, heartbeat });
    else unreadable++;
  }
  return { entries, unreadable };
}

function parseLine(line: string): SpoolEntry['heartbeat'] | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = heartbeatSchema.safeParse(value);
  if (!parsed.success || parsed.data.at === undefined) return null;
  // Replay exactly what was spooled, not the schema's defaults.
  return value as SpoolEntry['heartbeat'];
}

/** One write of a whole line with O_APPEND, then fsync, so a crash leaves at most a torn last line. */
async function appendLine(file: string, line: string): Promise<void> {
  const handle = await fs.open(file, 'a', 0o644);
  try {
    await handle.write(`${line}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename durable; directories cannot be opened on Windows, where NTFS journals it anyway. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
