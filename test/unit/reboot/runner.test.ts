// The command runner with real processes: exit codes, no shell, a timeout or a cancel that stops the
// whole process group, and output kept bounded (first and last lines).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LineKeeper, runCommand } from '../../../src/reboot/runner.js';

const node = process.execPath;
const dir = mkdtempSync(path.join(tmpdir(), 'corral-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('runCommand', () => {
  test('exit 0 is ok, with the output and a duration', async () => {
    const r = await runCommand([node, '-e', 'console.log("one"); console.error("two")'], {
      timeoutMs: 20_000,
    });
    expect(r).toMatchObject({ outcome: 'ok', exitCode: 0, signal: null, error: null });
    expect([...r.head].sort()).toEqual(['one', 'two']);
    expect(r.durationMs).toBeGreaterThan(0);
  });

  test('a non-zero exit is failed, with its code', async () => {
    const r = await runCommand([node, '-e', 'process.exit(3)'], { timeoutMs: 20_000 });
    expect(r).toMatchObject({ outcome: 'failed', exitCode: 3 });
  });

  test('arguments reach the program exactly, never through a shell', async () => {
    const marker = path.join(dir, 'pwned');
    const args = [`$(touch ${marker})`, `x; touch ${marker}`, 'a b', `'q"`];
    const r = await runCommand(
      [node, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...args],
      { timeoutMs: 20_000 },
    );
    expect(JSON.parse(r.head[0]!)).toEqual(args);
    expect(existsSync(marker)).toBe(false);
  });

  test('a program that does not exist is not-started, saying why', async () => {
    const r = await runCommand(['/nonexistent/ipmitool', 'x'], { timeoutMs: 5000 });
    expect(r.outcome).toBe('not-started');
    expect(r.error).toMatch(/ENOENT/);
  });

  test('a timeout kills the whole process group, children included', async () => {
    const pidFile = path.join(dir, 'child.pid');
    // The command starts a child that would outlive it, and both sleep.
    const script = `
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));
      setTimeout(() => {}, 60000);`;
    // Both sleep a minute, past this test's timeout: only the kill ends them in time.
    const r = await runCommand([node, '-e', script], { timeoutMs: 1500 });
    expect(r.outcome).toBe('timed-out');
    expect(r.signal).toBe('SIGTERM');
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    await eventually(() => !alive(childPid));
  });

  test('a process that ignores SIGTERM is killed after the grace', async () => {
    const r = await runCommand(
      [
        node,
        '-e',
        'process.on("SIGTERM", () => {}); console.log("up"); setTimeout(() => {}, 60000)',
      ],
      { timeoutMs: 1000, killGraceMs: 500 },
    );
    expect(r).toMatchObject({ outcome: 'timed-out', signal: 'SIGKILL' });
  });

  test('an abort signal cancels the command', async () => {
    const abort = new AbortController();
    const pending = runCommand([node, '-e', 'setTimeout(() => {}, 60000)'], {
      timeoutMs: 60_000,
      signal: abort.signal,
    });
    setTimeout(() => abort.abort(), 300);
    const r = await pending;
    expect(r.outcome).toBe('cancelled');
  });

  test('already aborted: cancelled at once', async () => {
    const r = await runCommand([node, '-e', 'setTimeout(() => {}, 60000)'], {
      timeoutMs: 60_000,
      signal: AbortSignal.abort(),
    });
    expect(r.outcome).toBe('cancelled');
  });

  test('keeps the first and last lines of a long output, and counts the rest', async () => {
    const r = await runCommand(
      [node, '-e', 'for (let i = 1; i <= 10000; i++) console.log("line " + i)'],
      { timeoutMs: 20_000, keepLines: 3 },
    );
    expect(r.head).toEqual(['line 1', 'line 2', 'line 3']);
    expect(r.tail).toEqual(['line 9998', 'line 9999', 'line 10000']);
    expect(r.omittedLines).toBe(9994);
  });
});

describe('LineKeeper', () => {
  test('joins lines split across chunks, keeps a last line without newline, cuts long lines', () => {
    const k = new LineKeeper(2);
    k.add('ab');
    k.add('c\r\nde');
    k.add('f\n' + 'x'.repeat(2000));
    const out = k.finish();
    expect(out.head).toEqual(['abc', 'def']);
    expect(out.tail).toHaveLength(1);
    expect(out.tail[0]!.length).toBe(501);
    expect(out.omittedLines).toBe(0);
  });

  test('few lines: head only, no overlap', () => {
    const k = new LineKeeper(5);
    k.add('1\n2\n3\n');
    expect(k.finish()).toEqual({ head: ['1', '2', '3'], tail: [], omittedLines: 0 });
  });
});
