// bin/corral-beat.sh under dash, with the real curl (and the real wget) against the real collector.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlaveDetail } from '../../../src/domain/slave.js';
import { getJson, startCollector, type RunningCollector } from '../../support/collector.js';
import { freePort, runCorral, type CliRun } from './run-cli.js';
import { neverAnswers, type SilentServer } from '../../support/never-answers.js';

const SCRIPT = path.resolve(import.meta.dirname, '../../../bin/corral-beat.sh');
const TOKEN = 'heartbeat-token-0123456789';
const VIEWER = 'viewer-token-0123456789';

let c: RunningCollector;
let spoolDir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  c = await startCollector({
    config: [
      'tokens:',
      `  - {name: slaves, role: heartbeat, token: "${TOKEN}"}`,
      `  - {name: wall, role: viewer, token: "${VIEWER}"}`,
      'limits: {at_max_past: 1h}',
    ].join('\n'),
  });
});
afterAll(async () => {
  await c.stop();
  c.cleanup();
});
beforeEach(async () => {
  spoolDir = await mkdtemp(path.join(tmpdir(), 'corral-beat-sh-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(spoolDir, { recursive: true, force: true });
});

function sh(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      [SCRIPT, ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: spoolDir,
          CORRAL_SPOOL_DIR: spoolDir,
          CORRAL_TOKEN: TOKEN,
          ...env,
        },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

async function spooled(): Promise<Array<Record<string, string>>> {
  const text = await readFile(path.join(spoolDir, 'heartbeats.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string>);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A collector that never answers, closed after the test. */
async function silentCollector(): Promise<SilentServer> {
  const server = await neverAnswers();
  cleanups.push(server.close);
  return server;
}

async function detail(slave: string): Promise<SlaveDetail> {
  const res = await getJson<{ slave: SlaveDetail }>(`${c.url}/api/v1/slaves/${slave}`, {
    authorization: `Bearer ${VIEWER}`,
  });
  expect(res.status).toBe(200);
  return res.body.slave;
}

describe('bin/corral-beat.sh', { timeout: 60_000 }, () => {
  it('delivers a start with curl, the token in a file rather than on the command line', async () => {
    const run = await sh([
      'sh-slave-01',
      '--master',
      'bm01:9010',
      '--pool',
      'talos-r3-fed',
      '--collector',
      c.url,
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(await detail('sh-slave-01')).toMatchObject({
      state: 'ok',
      master: 'bm01:9010',
      pool: 'talos-r3-fed',
    });
    expect(await spooled()).toEqual([]);
  });

  it('spools while the collector is away and replays in order with the original times', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const a = await sh(['sh-slave-02', '--collector', down]);
    expect(a.code).toBe(0);
    expect(a.stderr).toMatch(
      /^corral-beat.sh: warning: .*refused the connection.*spooled in .* \(1 waiting\)/,
    );
    const b = await sh(['sh-slave-02', '--collector', down, '--critical', 'say "hi" \\ back\nnow']);
    expect(b.code).toBe(0);
    const waiting = await spooled();
    expect(waiting.map((h) => h.kind)).toEqual(['start', 'critical']);
    expect(waiting[1]!.message).toBe('say "hi" \\ back now');

    const run = await sh(['sh-slave-02', '--collector', c.url, '-v']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      'corral-beat.sh: heartbeat for sh-slave-02 delivered; 2 spooled heartbeats replayed, 0 waiting\n',
    );
    expect(await spooled()).toEqual([]);
    const slave = await detail('sh-slave-02');
    expect(slave.starts).toHaveLength(2);
    expect(Date.parse(slave.starts[1]!.at)).toBe(Date.parse(waiting[0]!.at!));
    expect(slave.messages[0]).toMatchObject({ message: 'say "hi" \\ back now' });
    expect(Date.parse(slave.messages[0]!.at)).toBe(Date.parse(waiting[1]!.at!));
    expect(slave.state).toBe('ok');
  });

  it('keeps to --timeout with a collector that accepts and never answers', async () => {
    const { url, sockets } = await silentCollector();
    const run = await sh(['sh-slave-03', '--collector', url, '--timeout', '2']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/did not answer in time; the heartbeat is spooled/);
    expect(run.ms).toBeLessThan(4500);
    expect(sockets.length).toBeGreaterThan(0);
    const strict = await sh(['sh-slave-03', '--collector', url, '--timeout', '1', '--strict']);
    expect(strict.code).toBe(75);
    expect(await spooled()).toHaveLength(2);
  });

  it('keeps to --timeout in all with the spool lock held and a collector that never answers', async () => {
    const { url } = await silentCollector();
    // Another beat holds the lock (a fresh one: not a stale lock to break).
    await mkdir(path.join(spoolDir, 'heartbeats.lock'));
    const run = await sh(['sh-slave-05', '--collector', url, '--timeout', '3']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/the spool lock .* is held; appending anyway/);
    // The budget is the whole run: the wait for the lock comes out of it (+ sh's own start).
    expect(run.ms).toBeLessThan(3500);
    expect((await spooled()).map((h) => h.slave)).toEqual(['sh-slave-05']);
  });

  it('a bad token is refused: exit 1, one line, nothing spooled', async () => {
    const run = await sh(['sh-slave-04', '--collector', c.url], {
      CORRAL_TOKEN: 'not-the-token-0000000',
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/refused the heartbeat \(401: .*\): check --token/);
    expect(await spooled()).toEqual([]);
  });

  it('refuses bad names and options before building any JSON', async () => {
    for (const args of [
      ['bad"name'],
      ['a b'],
      ['x'.repeat(129)],
      ['ok', '--master', 'bm01;reboot'],
      ['ok', '--timeout', 'soon'],
      ['ok', '--bogus'],
    ]) {
      const run = await sh([...args, '--collector', c.url]);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(await spooled()).toEqual([]);
  });

  it("gives up a spooled heartbeat outside the collector's `at` window, delivers the rest", async () => {
    const at = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
    const lines = [
      { slave: 'sh-slave-05', kind: 'start', at: at(-120) },
      { slave: 'sh-slave-05', kind: 'start', at: at(-30) },
      { slave: 'sh-slave-05', kind: 'start', at: at(+10) },
    ];
    await writeFile(
      path.join(spoolDir, 'heartbeats.jsonl'),
      lines.map((l) => JSON.stringify(l) + '\n').join('') + '{"slave":"torn',
    );
    const run = await sh(['sh-slave-05', '--collector', c.url]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/gave up 2 spooled heartbeats the collector will not take/);
    expect(await spooled()).toEqual([]);
    expect((await detail('sh-slave-05')).starts.map((s) => s.at)).toContain(lines[1]!.at);
  });

  it('bounds the spool, oldest dropped first', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    for (let i = 0; i < 3; i++) {
      const run = await sh([
        'sh-slave-06',
        '--collector',
        down,
        '--spool-max',
        '2',
        '--critical',
        `try ${i}`,
      ]);
      expect(run.code).toBe(0);
      if (i === 2) expect(run.stderr).toMatch(/is full: dropped the 1 oldest/);
    }
    expect((await spooled()).map((h) => h.message)).toEqual(['try 1', 'try 2']);
  });

  it('many at once lose nothing and leave no lock behind', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => sh([`sh-slave-2${i}`, '--collector', down])),
    );
    expect(runs.map((r) => r.code)).toEqual(Array(6).fill(0));
    expect((await spooled()).map((h) => h.slave).sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => `sh-slave-2${i}`),
    );
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(spoolDir)).toEqual(['heartbeats.jsonl']);
    const flushes = await Promise.all([
      sh(['--flush', '--collector', c.url]),
      sh(['--flush', '--collector', c.url]),
    ]);
    expect(flushes.map((r) => r.code)).toEqual([0, 0]);
    expect(await spooled()).toEqual([]);
    for (let i = 0; i < 6; i++) expect((await detail(`sh-slave-2${i}`)).starts).toHaveLength(1);
  });

  it('shares its spool with `corral beat`: spooled by the script, replayed by Node', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    await sh(['sh-slave-07', '--collector', down]);
    const [line] = await spooled();
    const run = await runCorral([
      'beat',
      '--flush',
      '--collector',
      c.url,
      '--token',
      TOKEN,
      '--spool-dir',
      spoolDir,
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect((await detail('sh-slave-07')).lastStart).toBe(new Date(line!.at!).toISOString());
  });

  describe('the hook lines in docs/agent.md, as written', () => {
    /** The fenced block after `<!-- tested: NAME -->`, with `hostname` answering a fixed name. */
    async function hookLine(name: string): Promise<string> {
      const doc = await readFile(
        path.resolve(import.meta.dirname, '../../../docs/agent.md'),
        'utf8',
      );
      const match = new RegExp(`<!-- tested: ${name} -->\\s*\`\`\`sh\\n(.*)\\n\`\`\``).exec(doc);
      expect(match, name).not.toBeNull();
      return match![1]!;
    }
    async function shim(failing: string[] = []): Promise<string> {
      const bin = path.join(spoolDir, 'shim');
      await mkdir(bin, { recursive: true });
      await writeFile(path.join(bin, 'hostname'), '#!/bin/sh\necho doc-slave-01\n', {
        mode: 0o755,
      });
      for (const tool of failing)
        await writeFile(path.join(bin, tool), '#!/bin/sh\nexit 127\n', { mode: 0o755 });
      return `${bin}:${process.env.PATH ?? ''}`;
    }
    const runLine = (line: string, env: Record<string, string>) =>
      new Promise<CliRun>((resolve) => {
        const started = Date.now();
        execFile(
          '/bin/sh',
          ['-c', line],
          { env: { HOME: spoolDir, ...env }, timeout: 30_000 },
          (err, stdout, stderr) =>
            resolve({
              code: err ? Number(err.code ?? -1) : 0,
              stdout,
              stderr,
              ms: Date.now() - started,
            }),
        );
      });

    it('the one-liner delivers with curl, then with wget when curl fails, and never fails the start', async () => {
      const line = await hookLine('sh-oneliner');
      // README shows the same line: what is tested here is what the README gives.
      const readme = await readFile(
        path.resolve(import.meta.dirname, '../../../README.md'),
        'utf8',
      );
      const copy = /<!-- from docs\/agent\.md: sh-oneliner -->\s*```sh\n(.*)\n```/.exec(readme);
      expect(copy?.[1]).toBe(line);
      const env = { CORRAL_URL: c.url, CORRAL_TOKEN: TOKEN };
      expect(await runLine(line, { ...env, PATH: await shim() })).toMatchObject({
        code: 0,
        stderr: '',
      });
      const first = (await detail('doc-slave-01')).lastStart;
      expect(first).not.toBeNull();
      await pause(20);
      expect(await runLine(line, { ...env, PATH: await shim(['curl']) })).toMatchObject({
        code: 0,
        stderr: '',
      });
      expect(Date.parse((await detail('doc-slave-01')).lastStart!)).toBeGreaterThan(
        Date.parse(first!),
      );
      const down = await runLine(line, {
        ...env,
        CORRAL_URL: `http://127.0.0.1:${await freePort()}`,
        PATH: await shim(),
      });
      expect(down.code).toBe(0);
      expect(down.stderr).toMatch(/corral: heartbeat not delivered/);
    });

    it('the script line delivers with the environment file', async () => {
      const envFile = path.join(spoolDir, 'env');
      await writeFile(
        envFile,
        `CORRAL_URL=${c.url}\nCORRAL_TOKEN=${TOKEN}\nCORRAL_SPOOL_DIR=${spoolDir}\n`,
      );
      const line = (await hookLine('sh-script'))
        .replace('/etc/corral/env', envFile)
        .replace('/usr/local/bin/corral-beat.sh', SCRIPT);
      expect(await runLine(line, { PATH: await shim() })).toMatchObject({ code: 0, stderr: '' });
      expect((await detail('doc-slave-01')).master).toBe('bm01');
    });
  });

  it('falls back to wget when there is no curl', async () => {
    const bin = path.join(spoolDir, 'bin');
    await mkdir(bin);
    const tools = [
      'sh',
      'date',
      'sed',
      'grep',
      'tr',
      'wc',
      'head',
      'tail',
      'mkdir',
      'rmdir',
      'mktemp',
      'rm',
      'cp',
      'mv',
      'sync',
      'find',
      'od',
      'sleep',
      'cat',
      'wget',
    ];
    const { execFileSync } = await import('node:child_process');
    for (const tool of tools) {
      const where = execFileSync('/bin/sh', ['-c', `command -v ${tool}`])
        .toString()
        .trim();
      await symlink(where, path.join(bin, tool));
    }
    const run = await sh(['sh-slave-08', '--collector', c.url, '--critical', 'via wget'], {
      PATH: bin,
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect((await detail('sh-slave-08')).lastCritical?.message).toBe('via wget');
    const refused = await sh(['sh-slave-08', '--collector', c.url], {
      PATH: bin,
      CORRAL_TOKEN: 'not-the-token-0000000',
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\(401: /);
    const down = await sh(['sh-slave-08', '--collector', `http://127.0.0.1:${await freePort()}`], {
      PATH: bin,
    });
    expect(down.code).toBe(0);
    expect(down.stderr).toMatch(/spooled/);
    expect(await spooled()).toHaveLength(1);
  });
});
