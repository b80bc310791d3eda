// Runs the built `corral` CLI as a slave would, and gives back its exit code, output and duration.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { CORRAL_BIN } from '../../support/collector.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCorral(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CORRAL_BIN, ...args],
      { env: { ...process.env, CORRAL_URL: '', CORRAL_TOKEN: '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

/** A loopback port nothing listens on (taken from the OS, then let go). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
