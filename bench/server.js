// A server process for a bench (the collector, or the bare baseline): started with node, resolved
// once it logs "listening" (a pino JSON line), with its URL and how long it took to get there.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Spawns `node ...args`; `onLog` sees every JSON log line (what the bench may time). */
export function startServer(args, { onLog } = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        return; // not a log line
      }
      onLog?.(entry);
      if (entry.msg === 'listening') {
        resolve({ child, url: entry.url, entry, ms: performance.now() - started });
      }
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`${args[0]} exited (${code ?? signal}) before it was listening`)),
    );
  });
}

/** SIGTERM, resolved once the process has exited. */
export function stop(child) {
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}
