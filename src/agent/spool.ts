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
  private readonly lockDir: string;

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
   * the number dropped is returned so the caller can warn about it.
   */
  async append(heartbeat: SpoolEntry['heartbeat']): Promise<{ dropped: number; waiting: number }> {
    const line = JSON.stringify(heartbeat);
    await fs.mkdir(this.dir, { recursive: true });
    const release = await this.lock();
    try {
      const text = await this.readText();
      const { entries, unreadable } = parseSpool(text);
      const room = this.maxEntries - 1;
      // Without the lock another beat may be rewriting: appending is then the only safe move.
      if ((entries.length <= room && unreadable === 0) || !release) {
        // A line torn by a crash must not swallow this one.
        const torn = text !== '' && !text.endsWith('\n');
        await appendLine(this.file, torn ? `\n${line}` : line);
        return { dropped: 0, waiting: entries.length + 1 };
      }
      const kept = entries.slice(Math.max(0, entries.length - room)).map((e) => e.line);
      await this.rewrite([...kept, line]);
      return { dropped: entries.length - kept.length, waiting: kept.length + 1 };
    } finally {
      await release?.();
    }
  }

  /**
   * Removes lines that were delivered (or given up on). Only those exact lines go, so a
   * heartbeat another beat appended meanwhile stays. Returns false when the lock could not
   * be had: the lines stay and are sent again later, which the collector takes as a duplicate.
   */
  async remove(lines: Iterable<string>): Promise<boolean> {
    const gone = new Set(lines);
    if (gone.size === 0) return true;
    const release = await this.lock();
    if (!release) return false;
    try {
      const { entries } = await this.read();
      await this.rewrite(entries.filter((e) => !gone.has(e.line)).map((e) => e.line));
      return true;
    } finally {
      await release();
    }
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

  /** Takes the lock within a second or gives up (null); a beat must never wait long. */
  private async lock(waitMs = 1000): Promise<(() => Promise<void>) | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        await fs.mkdir(this.lockDir);
        return async () => {
          await fs.rmdir(this.lockDir).catch(() => undefined);
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const stat = await fs.stat(this.lockDir).catch(() => null);
      if (stat && Date.now() - stat.mtimeMs > STALE_LOCK_MS) {
        await fs.rmdir(this.lockDir).catch(() => undefined);
        continue;
      }
      if (Date.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, 25));
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
