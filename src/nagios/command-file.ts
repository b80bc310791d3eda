// Writes command lines to Nagios's command file (a FIFO) without ever blocking: whole lines packed
// into writes of at most PIPE_BUF bytes, so lines never interleave with another writer's.
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { accessProblem } from './file-access.js';

/** POSIX guarantees writes up to PIPE_BUF (4096 on Linux) to a pipe are atomic. */
export const PIPE_BUF = 4096;

export type CommandFileProblem =
  | 'missing' // the path does not exist
  | 'not-fifo' // something else is there: writing would go nowhere
  | 'not-reading' // no process has the FIFO open for reading (Nagios down)
  | 'full' // the pipe stayed full past the bound (Nagios not keeping up)
  | 'denied' // this user may not write it (or enter its directory): the message names the group to join
  | 'line-too-long' // a line cannot be written atomically
  | 'io'; // anything else

export class CommandFileError extends Error {
  override name = 'CommandFileError';
  constructor(
    readonly problem: CommandFileProblem,
    readonly path: string,
    message: string,
    /** Lines written before the failure (they reached Nagios). */
    readonly linesWritten = 0,
  ) {
    super(message);
  }
}

export interface WriteResult {
  lines: number;
  writes: number;
  bytes: number;
}

export interface WriterOptions {
  /** How long to keep retrying a full pipe before giving up. */
  fullPipeTimeoutMs?: number;
}

/**
 * Splits lines into chunks of whole lines, each at most `limit` bytes. Pure, exposed for tests.
 * A line (with its newline) longer than `limit` is refused: it could not be written atomically.
 */
export function packLines(lines: readonly string[], limit = PIPE_BUF): Buffer[] {
  const chunks: Buffer[] = [];
  let pending: Buffer[] = [];
  let size = 0;
  for (const text of lines) {
    if (/[\r\n]/.test(text)) {
      throw new Error(`a command line must not contain a line break: ${JSON.stringify(text)}`);
    }
    const buf = Buffer.from(`${text}\n`);
    if (buf.length > limit) {
      throw new CommandFileError(
        'line-too-long',
        '',
        `a command of ${buf.length} bytes is longer than one atomic pipe write (${limit})`,
      );
    }
    if (size + buf.length > limit) {
      chunks.push(Buffer.concat(pending, size));
      pending = [];
      size = 0;
    }
    pending.push(buf);
    size += buf.length;
  }
  if (size > 0) chunks.push(Buffer.concat(pending, size));
  return chunks;
}

export class CommandFileWriter {
  private readonly fullPipeTimeoutMs: number;

  constructor(
    readonly path: string,
    options: WriterOptions = {},
  ) {
    this.fullPipeTimeoutMs = options.fullPipeTimeoutMs ?? 2000;
  }

  /** Writes the lines in as few atomic writes as possible; throws CommandFileError, never hangs. */
  async write(lines: readonly string[]): Promise<WriteResult> {
    let chunks: Buffer[];
    try {
      chunks = packLines(lines);
    } catch (err) {
      if (err instanceof CommandFileError) {
        throw new CommandFileError(err.problem, this.path, err.message);
      }
      throw err;
    }
    if (chunks.length === 0) return { lines: 0, writes: 0, bytes: 0 };
    const handle = await this.openFifo();
    let written = 0;
    let bytes = 0;
    try {
      for (const chunk of chunks) {
        await this.writeChunk(handle, chunk, written);
        written += countLines(chunk);
        bytes += chunk.length;
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
    return { lines: written, writes: chunks.length, bytes };
  }

  /**
   * Whether a write would reach Nagios now, without writing: null when the FIFO is there, ours to
   * write and read by Nagios; else the error a write would meet. Opening and closing the write
   * end costs Nagios nothing: it holds the FIFO open read-write, so it never sees end-of-file.
   */
  async probe(): Promise<CommandFileError | null> {
    try {
      await (await this.openFifo()).close();
      return null;
    } catch (err) {
      if (err instanceof CommandFileError) return err;
      throw err;
    }
  }

  private async openFifo(): Promise<FileHandle> {
    try {
      const info = await stat(this.path);
      if (!info.isFIFO()) {
        throw new CommandFileError(
          'not-fifo',
          this.path,
          `${this.path} is not Nagios's command FIFO: check command_file in nagios.cfg and nagios.command_file in corral.yaml`,
        );
      }
      return await open(this.path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      throw this.explain(err, 0);
    }
  }

  private async writeChunk(handle: FileHandle, chunk: Buffer, linesBefore: number): Promise<void> {
    const deadline = Date.now() + this.fullPipeTimeoutMs;
    let offset = 0;
    let pause = 2;
    while (offset < chunk.length) {
      try {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
        offset += bytesWritten;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw this.explain(err, linesBefore);
        if (Date.now() >= deadline) {
          throw new CommandFileError(
            'full',
            this.path,
            `Nagios is not keeping up with ${this.path}: the pipe stayed full for ${this.fullPipeTimeoutMs} ms`,
            linesBefore,
          );
        }
        await sleep(pause);
        pause = Math.min(pause * 2, 50);
      }
    }
  }

  private explain(err: unknown, linesWritten: number): Error {
    if (err instanceof CommandFileError) return err;
    const code = (err as NodeJS.ErrnoException).code;
    switch (code) {
      case 'ENXIO':
      case 'EPIPE':
        return new CommandFileError(
          'not-reading',
          this.path,
          `Nagios is not reading ${this.path}`,
          linesWritten,
        );
      case 'ENOENT':
        return new CommandFileError(
          'missing',
          this.path,
          `${this.path} does not exist: start Nagios with check_external_commands=1, or point nagios.command_file in corral.yaml at command_file from nagios.cfg`,
          linesWritten,
        );
      case 'EACCES':
      case 'EPERM':
        return new CommandFileError(
          'denied',
          this.path,
          accessProblem(this.path, 'write') ?? `cannot write to ${this.path}: ${code}`,
          linesWritten,
        );
      default:
        return new CommandFileError(
          'io',
          this.path,
          `cannot write to ${this.path}: ${(err as Error).message}`,
          linesWritten,
        );
    }
  }
}

function countLines(chunk: Buffer): number {
  let n = 0;
  for (const byte of chunk) if (byte === 0x0a) n++;
  return n;
}
