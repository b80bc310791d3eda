// Runs one reboot command: an argv array without a shell, in its own process group so a timeout or
// a cancel stops everything it started, with the first and last lines of its output kept.
import { spawn } from 'node:child_process';

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Lines kept from the start and from the end of the output (stdout and stderr together). */
  keepLines?: number;
  /** After SIGTERM, how long before SIGKILL. */
  killGraceMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** `not-started`: the program could not be run at all (not found, not executable). */
export type RunOutcome = 'ok' | 'failed' | 'timed-out' | 'cancelled' | 'not-started';

export interface RunResult {
  outcome: RunOutcome;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** The first lines of output. */
  head: string[];
  /** The last lines of output, after `head`, never overlapping it. */
  tail: string[];
  /** Lines between head and tail that were not kept. */
  omittedLines: number;
  /** Why it did not start, e.g. `spawn ipmitool ENOENT`. */
  error: string | null;
}

export type CommandRunner = (argv: readonly string[], options: RunOptions) => Promise<RunResult>;

const MAX_LINE = 500;

export const runCommand: CommandRunner = (argv, options) =>
  new Promise((resolve) => {
    const started = performance.now();
    const lines = new LineKeeper(options.keepLines ?? 5);
    let outcome: RunOutcome | null = null;
    let error: string | null = null;
    let closed = false;
    const child = spawn(argv[0]!, argv.slice(1), {
      shell: false,
      detached: true, // its own process group: we stop the command and whatever it started
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    const stop = (why: RunOutcome) => {
      if (outcome !== null || child.exitCode !== null || child.signalCode !== null) return;
      outcome = why;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 2000);
    };
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => stop('timed-out'), options.timeoutMs);
    const onAbort = () => stop('cancelled');
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.setEncoding('utf8').on('data', (d: string) => lines.add(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => lines.add(d));
    child.once('error', (err) => {
      error = err.message;
    });
    // A background process the command left holding its output open must not keep us waiting.
    child.once('exit', () => {
      setTimeout(() => {
        if (closed) return;
        killGroup(child.pid, 'SIGKILL');
        child.stdout.destroy();
        child.stderr.destroy();
      }, 1000).unref();
    });
    // `close` waits for the pipes; a grandchild that keeps them open is killed with the group.
    child.once('close', (code, signal) => {
      closed = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (outcome !== null || signal !== null) killGroup(child.pid, 'SIGKILL');
      const kept = lines.finish();
      resolve({
        outcome: outcome ?? (error !== null ? 'not-started' : code === 0 ? 'ok' : 'failed'),
        exitCode: code,
        signal,
        durationMs: Math.round(performance.now() - started),
        ...kept,
        error,
      });
    });
  });

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Keeps the first and last `keep` lines of a stream, each cut to a bounded length. */
export class LineKeeper {
  private readonly head: string[] = [];
  private readonly tail: string[] = [];
  private partial = '';
  private total = 0;

  constructor(private readonly keep: number) {}

  add(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = cut(parts.pop()!, MAX_LINE * 4);
    for (const line of parts) this.push(line);
  }

  finish(): { head: string[]; tail: string[]; omittedLines: number } {
    if (this.partial !== '') this.push(this.partial);
    this.partial = '';
    return {
      head: this.head.slice(),
      tail: this.tail.slice(),
      omittedLines: this.total - this.head.length - this.tail.length,
    };
  }

  private push(line: string): void {
    this.total++;
    const kept = cut(line.replace(/\r$/, ''), MAX_LINE);
    if (this.head.length < this.keep) this.head.push(kept);
    else {
      this.tail.push(kept);
      if (this.tail.length > this.keep) this.tail.shift();
    }
  }
}

function cut(line: string, max: number): string {
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
