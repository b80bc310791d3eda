// The writer against real FIFOs (mkfifo) and a real reader process; no Nagios needed here.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  CommandFileError,
  CommandFileWriter,
  packLines,
  PIPE_BUF,
} from '../../../src/nagios/command-file.js';

let dir: string;
let fifoCount = 0;
const readers: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'corral-fifo-'));
});
afterEach(() => {
  for (const r of readers.splice(0)) r.kill('SIGKILL');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function makeFifo(): string {
  const p = path.join(dir, `cmd-${++fifoCount}`);
  const r = spawnSync('mkfifo', [p]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
  return p;
}

/**
 * A reader like Nagios's: `cat` on the FIFO opened read-write, so it never sees end-of-file
 * between writers (Nagios keeps its end open the same way). `text()` is what it read so far.
 */
function startReader(fifo: string): { proc: ChildProcess; text: () => string } {
  const proc = spawn('sh', ['-c', 'exec cat 0<>"$0"', fifo], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  readers.push(proc);
  let text = '';
  proc.stdout!.on('data', (b: Buffer) => (text += b.toString()));
  return { proc, text: () => text };
}

/** The reader has the FIFO open once a non-blocking open for writing stops failing with ENXIO. */
async function waitForReader(fifo: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const h = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      await h.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(20);
    }
  }
}

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('packLines', () => {
  test('packs whole lines into chunks of at most PIPE_BUF bytes, in order', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `[1] CMD;${i};${'x'.repeat(i % 97)}`);
    const chunks = packLines(lines);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(PIPE_BUF);
      expect(c.at(-1)).toBe(0x0a);
    }
    expect(Buffer.concat(chunks).toString()).toBe(lines.map((l) => `${l}\n`).join(''));
    // As few writes as possible: greedy packing leaves no chunk that could take the next line.
    const total = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(total / (PIPE_BUF - 100)));
  });

  test('a line of exactly PIPE_BUF bytes with its newline fits; one byte more is refused', () => {
    expect(packLines(['x'.repeat(PIPE_BUF - 1)])).toHaveLength(1);
    expect(() => packLines(['x'.repeat(PIPE_BUF)])).toThrow(CommandFileError);
  });

  test('a line with a line break inside is refused (it would be two commands)', () => {
    expect(() => packLines(['[1] A\n[1] B'])).toThrow(/line break/);
  });

  test('nothing to write is no chunk', () => {
    expect(packLines([])).toEqual([]);
  });
});

describe('CommandFileWriter', () => {
  test('writes every line to the reader, whole and in order, in few writes', async () => {
    const fifo = makeFifo();
    const reader = startReader(fifo);
    await waitForReader(fifo);
    const lines = Array.from({ length: 1000 }, (_, i) => `[1795579200] CMD;slave-${i};some text`);
    const result = await new CommandFileWriter(fifo).write(lines);
    expect(result).toEqual({
      lines: 1000,
      writes: packLines(lines).length,
      bytes: lines.reduce((n, l) => n + l.length + 1, 0),
    });
    const expected = lines.map((l) => `${l}\n`).join('');
    await waitUntil(() => reader.text().length >= expected.length);
    expect(reader.text()).toBe(expected);
  });

  test('two writers at once never interleave inside a line', async () => {
    const fifo = makeFifo();
    const reader = startReader(fifo);
    await waitForReader(fifo);
    const a = Array.from({ length: 2000 }, (_, i) => `[1] A;${i};${'a'.repeat(40)}`);
    const b = Array.from({ length: 2000 }, (_, i) => `[1] B;${i};${'b'.repeat(40)}`);
    await Promise.all([new CommandFileWriter(fifo).write(a), new CommandFileWriter(fifo).write(b)]);
    await waitUntil(() => reader.text().split('\n').length > 4000);
    const got = reader.text().trimEnd().split('\n');
    expect(new Set(got)).toEqual(new Set([...a, ...b]));
    expect(got.filter((l) => l.startsWith('[1] A'))).toEqual(a);
  });

  test('no reader: fails at once with "Nagios is not reading <path>"', async () => {
    const fifo = makeFifo();
    // At once: the open fails (O_NONBLOCK), no retry; a hang would be this test's timeout, a
    // retry on a full pipe another problem.
    const err = await new CommandFileWriter(fifo).write(['[1] X']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFileError);
    expect((err as CommandFileError).problem).toBe('not-reading');
    expect((err as Error).message).toBe(`Nagios is not reading ${fifo}`);
  });

  test('a missing file names the config keys that set it', async () => {
    const missing = path.join(dir, 'nope.cmd');
    await expect(new CommandFileWriter(missing).write(['[1] X'])).rejects.toThrow(
      new RegExp(`${missing} does not exist: .*command_file`),
    );
  });

  test('a regular file is refused: writing there would reach nobody', async () => {
    const file = path.join(dir, 'plain.cmd');
    await writeFile(file, '');
    const err = await new CommandFileWriter(file).write(['[1] X']).catch((e: unknown) => e);
    expect((err as CommandFileError).problem).toBe('not-fifo');
  });

  test('a reader that stops reading: the pipe fills and the writer gives up within its bound', async () => {
    const fifo = makeFifo();
    // A reader that opens the FIFO and never reads: `sleep` with the FIFO as stdin.
    const stuck = spawn('sh', ['-c', 'exec sleep 30 0<>"$0"', fifo], { stdio: 'ignore' });
    readers.push(stuck);
    await waitForReader(fifo);
    const lines = Array.from({ length: 200_000 }, (_, i) => `[1] CMD;${i}`);
    // The bound ends the write: without it, this test's timeout would.
    const err = await new CommandFileWriter(fifo, { fullPipeTimeoutMs: 300 })
      .write(lines)
      .catch((e: unknown) => e);
    expect((err as CommandFileError).problem).toBe('full');
    expect((err as Error).message).toMatch(/not keeping up/);
    // Lines written before the pipe filled are reported (a Linux pipe holds 64 KiB).
    expect((err as CommandFileError).linesWritten).toBeGreaterThan(1000);
  });

  test('probe: no reader, no file, something else, then a reader: the problem a write would meet, then none', async () => {
    const fifo = makeFifo();
    const writer = new CommandFileWriter(fifo);
    expect((await writer.probe())?.problem).toBe('not-reading');
    expect((await new CommandFileWriter(path.join(dir, 'absent.cmd')).probe())?.problem).toBe(
      'missing',
    );
    const plain = path.join(dir, 'plain-probe.cmd');
    await writeFile(plain, '');
    expect((await new CommandFileWriter(plain).probe())?.problem).toBe('not-fifo');
    const reader = startReader(fifo);
    await waitForReader(fifo);
    expect(await writer.probe()).toBeNull();
    // Probing writes nothing: the reader sees only what is written afterwards.
    await writer.write(['[1] AFTER']);
    await waitUntil(() => reader.text().length > 0);
    expect(reader.text()).toBe('[1] AFTER\n');
  });
});
