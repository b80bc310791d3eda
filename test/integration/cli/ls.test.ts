// `corral ls` and `corral simulate` against a real collector.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORRAL_BIN,
  postJson,
  startCollector,
  type RunningCollector,
} from '../../support/collector.js';

const run = promisify(execFile);
let c: RunningCollector;
const corral = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [
      CORRAL_BIN,
      ...args,
      '--collector',
      c.url,
    ]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

beforeAll(async () => {
  c = await startCollector();
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
  await postJson(`${c.url}/api/v1/heartbeats`, [
    { slave: 'talos-r3-fed-001', pool: 'talos-r3-fed', master: 'bm01', at: hoursAgo(1) },
    { slave: 'talos-r3-fed-002', pool: 'talos-r3-fed', master: 'bm01', at: hoursAgo(8) },
    { slave: 'w764-ix-001', pool: 'w764-ix', master: 'bm03', at: hoursAgo(6.2) },
  ]);
});
afterAll(async () => {
  await c.stop();
  c.cleanup();
});

describe('corral ls', () => {
  it('prints a table worst first, times in the local zone named', async () => {
    const { code, stdout } = await corral('ls');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STATE\s+NAME\s+POOL\s+MASTER\s+AGE\s+LAST START \(\S+\)$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'DEAD talos-r3-fed-002',
      'LATE w764-ix-001',
      'OK talos-r3-fed-001',
    ]);
    expect(lines[1]).toMatch(/\s8h00m\s/);
  });

  it('filters by state and name, and prints JSON for scripts', async () => {
    const { stdout } = await corral('ls', '--state', 'late,dead', '--match', '^talos', '--json');
    const body = JSON.parse(stdout) as { slaves: Array<{ name: string; state: string }> };
    expect(body.slaves.map((s) => [s.name, s.state])).toEqual([['talos-r3-fed-002', 'dead']]);
  });

  it('says what is wrong in one line, exit 1', async () => {
    const bad = await corral('ls', '--state', 'zombie');
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toBe(
      'corral: --state: unknown state "zombie": use never, critical, dead, late, needs-hands, rebooting, ok\n',
    );
    const port = await closedPort();
    const away = await run(process.execPath, [
      CORRAL_BIN,
      'ls',
      '--collector',
      `http://127.0.0.1:${port}`,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(away).toMatchObject({
      code: 1,
      stderr: `corral: cannot reach the collector at http://127.0.0.1:${port}: connection refused (is it running?)\n`,
    });
  });

  it('an error quoting what was given shows its escapes, on one line', async () => {
    const { code, stderr } = await corral('ls', '--match', '(\x1b[31mRED\x1b]0;PWNED\x07');
    expect(code).toBe(1);
    expect(stderr).toContain('--match: not a regular expression');
    expect(stderr).toContain('␛[31mRED␛]0;PWNED␇');
    expect(stderr.trimEnd()).not.toMatch(/[\p{Cc}]/u);
  });

  it('--json keeps a message exact, with C1 and bidi characters escaped for the terminal', async () => {
    const message = 'ok\x1b]0;PWNED\x07 \u009b31mRED \u202enimda';
    await postJson(`${c.url}/api/v1/heartbeats`, {
      slave: 'hostile-001',
      kind: 'critical',
      message,
    });
    const { code, stdout } = await corral('ls', '--match', '^hostile-', '--json');
    expect(code).toBe(0);
    // Newlines are the layout of pretty JSON; nothing else raw.
    expect(stdout.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\u202e]/u);
    const body = JSON.parse(stdout) as { slaves: Array<{ lastCritical: { message: string } }> };
    expect(body.slaves[0]!.lastCritical.message).toBe(message);
  });
});

describe('corral simulate', () => {
  it('sends a farm with a past, and writes its inventory', async () => {
    const other = await startCollector({ config: 'inventory: farm.yaml\n' });
    try {
      await run(process.execPath, [
        CORRAL_BIN,
        'simulate',
        '--collector',
        other.url,
        '--slaves',
        '60',
        '--history-only',
        '--inventory',
        `${other.dir}/farm.yaml`,
      ]);
      other.process.kill('SIGHUP');
      const { stdout } = await run(process.execPath, [
        CORRAL_BIN,
        'ls',
        '--json',
        '--collector',
        other.url,
      ]);
      const states = new Set(
        (JSON.parse(stdout) as { slaves: Array<{ state: string }> }).slaves.map((s) => s.state),
      );
      expect(states).toContain('ok');
      expect(states).toContain('dead');
    } finally {
      await other.stop();
      other.cleanup();
    }
  });
});

/** A port nothing listens on: bound, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
