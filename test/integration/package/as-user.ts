// Runs a program as another user (tests run as root; a service runs as its own user), with
// setpriv from util-linux: argv only, the groups given and no others, no capabilities kept.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Identity {
  uid: number;
  gid: number;
  /** Supplementary groups, by number; none when empty. */
  groups: number[];
}

export const NOBODY: Identity = { uid: 65534, gid: 65534, groups: [] };

function setprivArgs(who: Identity): string[] {
  return [
    `--reuid=${who.uid}`,
    `--regid=${who.gid}`,
    who.groups.length === 0 ? '--clear-groups' : `--groups=${who.groups.join(',')}`,
    '--inh-caps=-all',
    '--',
  ];
}

export function spawnAs(
  who: Identity,
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ChildProcess {
  return spawn('setpriv', [...setprivArgs(who), ...argv], {
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? '/',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

export interface Served {
  url: string;
  logs: Array<Record<string, unknown>>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Waits for the collector's `listening` line; rejects with its stderr if it exits first. */
export function served(child: ChildProcess, timeoutMs = 20_000): Promise<Served> {
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`collector did not start in ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { raw: line };
      }
      logs.push(entry);
      if (entry.msg !== 'listening') return;
      clearTimeout(timer);
      resolve({
        url: entry.url as string,
        logs,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code} before listening: ${stderr.trim()}`));
    });
  });
}
