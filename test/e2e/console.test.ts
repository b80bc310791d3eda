// End to end: the real `corral console` in a real terminal (tmux) against a real collector fed by
// `corral simulate`, checked by what a person sees. Needs `npm run build` first (npm test does it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlaveView } from '../../src/domain/slave.js';
import {
  CORRAL_BIN,
  getJson,
  startCollector,
  waitFor,
  type RunningCollector,
} from '../support/collector.js';
import { hasTmux, openTerminal, type Terminal } from './tmux.js';

const tmux = hasTmux();
if (!tmux) console.warn('SKIPPED: console end-to-end tests need tmux (apt-get install tmux)');

const SLAVES = 120;
const node = process.execPath;
const rowsOf = (screen: string) => screen.split('\n').filter((l) => /^[◆ ] +[?✖▲!↻✓] /.test(l));
const nameOf = (row: string) => row.split(/ +/)[3];

describe.skipIf(!tmux)('corral console in a terminal', () => {
  let collector: RunningCollector;
  let simulate: ChildProcess;
  let term: Terminal | undefined;

  const slaves = async () =>
    (await getJson<{ slaves: SlaveView[] }>(`${collector.url}/api/v1/slaves`)).body.slaves;

  beforeAll(async () => {
    collector = await startCollector();
    simulate = spawn(
      node,
      [CORRAL_BIN, 'simulate', '--slaves', String(SLAVES), '--collector', collector.url],
      {
        stdio: 'ignore',
      },
    );
    await waitFor(
      async () => (await slaves()).length >= SLAVES * 0.9,
      30_000,
      'the simulated farm',
    );
  }, 90_000);

  afterAll(async () => {
    term?.close();
    if (simulate && simulate.exitCode === null) {
      const exited = once(simulate, 'exit');
      simulate.kill('SIGTERM');
      await exited;
    }
    await collector?.stop();
    // After the restart, `collector` is the second process on the first one's dir: remove that dir.
    if (collector) rmSync(collector.dir, { recursive: true, force: true });
  });

  it('shows the farm worst first, filters, marks, helps, survives a collector restart, and quits cleanly', async () => {
    const t = openTerminal([
      node,
      CORRAL_BIN,
      'console',
      collector.wsUrl.replace('/api/v1/stream', ''),
    ]);
    term = t;

    // Header: address, connection, counts that add up to what the collector has.
    const screen = await t.until(
      (s) => s.includes('● connected') && /of \d+/.test(s),
      'the header',
    );
    const header = screen.split('\n').slice(0, 2).join('\n');
    expect(header).toContain(`ws://127.0.0.1:${collector.port}`);
    expect(header).toMatch(/never \d+ +critical \d+ +dead \d+ +late \d+/);
    // The collector's own list is in the same order: the first rows match (polled, the farm is alive).
    await waitFor(
      async () => {
        const api = (await slaves()).slice(0, 3).map((s) => s.name);
        const shown = rowsOf(t.capture()).slice(0, 3).map(nameOf);
        return JSON.stringify(api) === JSON.stringify(shown);
      },
      20_000,
      'the console and the API to agree on the first rows',
    );
    const first = rowsOf(t.capture())[0]!;
    expect(first).toMatch(/✖ (CRIT|DEAD)|\? NEVER/);

    // Filter on one pool: only that pool's slaves, and the footer says how many.
    const all = await slaves();
    const pool = all.find((s) => s.pool !== null && s.state === 'dead')?.pool ?? all[0]!.pool!;
    const inPool = all.filter((s) => s.pool === pool).length;
    await t.press('/');
    await t.type(pool);
    await t.press('Enter');
    const filtered = await t.until((s) => s.includes(`showing ${inPool} of`), `the ${pool} filter`);
    const rows = rowsOf(filtered);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.includes(pool))).toBe(true);

    // Mark them all, then look at everything: the marks stay; then hide them: the footer says so.
    await t.press('a');
    await t.until((s) => s.includes(`${inPool} marked`), 'the marks');
    await t.press('Escape');
    await t.until((s) => new RegExp(`${inPool} marked\\s*$`, 'm').test(s), 'marks with no filter');
    await t.press('/');
    await t.type('/^no-such-slave$/');
    await t.press('Enter');
    await t.until(
      (s) => s.includes(`${inPool} marked (${inPool} hidden by filter)`),
      'hidden marks',
    );
    await t.press('Escape');

    // Help lists the keys; any key closes it.
    await t.press('?');
    await t.until((s) => s.includes('keys (any key closes)') && s.includes('q Ctrl-C'), 'help');
    await t.press('j');
    await t.until((s) => !s.includes('keys (any key closes)'), 'help closed');

    // The detail pane fetches the slave's history from the collector.
    await t.press('g', 'Enter');
    await t.until(
      (s) =>
        /cycle: |starts \(/.test(s) && s.includes('recent actions') && s.includes('no actions yet'),
      'the detail pane',
    );
    await t.press('Enter');
    await t.until((s) => !s.includes('recent actions'), 'the detail pane closed');

    // A narrower terminal drops columns instead of wrapping, and the frame still fits (the
    // simulator's short names leave room for POOL; STARTED and MASTER go).
    t.resize(72, 30);
    const narrow = await t.until(
      (s) => !s.includes('MASTER') && !s.includes('STARTED') && s.includes('NAME'),
      'the narrow layout',
    );
    const lines = narrow.split('\n');
    expect(lines.every((l) => l.length <= 72)).toBe(true);
    expect(rowsOf(narrow).length).toBeGreaterThan(10);
    t.resize(120, 40);
    await t.until((s) => s.includes('MASTER'), 'the wide layout again');

    // The collector crashes: a stale banner, ages still ticking; it comes back on the same port: resync, marks intact.
    const { port, dir } = collector;
    await collector.kill();
    await t.until((s) => /disconnected \d+s, data stale/.test(s), 'the stale banner');
    collector = await startCollector({ dir, args: ['--listen', `127.0.0.1:${port}`] });
    await t.until(
      (s) => !s.includes('data stale') && s.includes('● connected'),
      'the reconnect',
      45_000,
    );
    await t.until((s) => new RegExp(`${inPool} marked`).test(s), 'marks after the reconnect');

    // q leaves the alternate screen: the shell's screen is back, the console's is gone.
    await t.press('q');
    const after = await t.until((s) => s.includes('CORRAL-EXIT='), 'the exit');
    expect(after).toContain('CORRAL-EXIT=0');
    expect(after).not.toContain('showing');
  }, 180_000);

  it('says in one line why it cannot connect, and exits non-zero', async () => {
    const t = openTerminal([node, CORRAL_BIN, 'console', 'ws://127.0.0.1:1']);
    try {
      const screen = await t.until((s) => s.includes('CORRAL-EXIT='), 'the exit');
      expect(screen).toMatch(
        /corral: cannot reach the collector at ws:\/\/127\.0\.0\.1:1\/api\/v1\/stream: connection refused/,
      );
      expect(screen).toContain('CORRAL-EXIT=1');
      expect(screen).not.toMatch(/\bat .*\.js:\d+/);
    } finally {
      t.close();
    }
  });
});

describe('corral console without a terminal', () => {
  it('points at corral ls and exits non-zero', () => {
    const r = spawnSync(node, [CORRAL_BIN, 'console', 'ws://127.0.0.1:1'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^corral: the console needs a terminal.*corral ls/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe.skipIf(!tmux)('corral console with tokens', () => {
  let collector: RunningCollector;
  beforeAll(async () => {
    collector = await startCollector({
      config:
        'tokens:\n  - {name: jdoe, role: viewer, token: "s3cret-viewer-token-0001"}\n  - {name: slaves, role: heartbeat, token: "s3cret-heartbeat-token-01"}\n',
    });
  });
  afterAll(async () => {
    await collector?.stop();
    collector?.cleanup();
  });

  for (const [token, expected] of [
    ['wrong', /refused the token \(401\)/],
    ['s3cret-heartbeat-token-01', /refused access \(403\)/],
  ] as const) {
    it(`rejects token "${token}" in one line`, async () => {
      const t = openTerminal([node, CORRAL_BIN, 'console', collector.url, '--token', token]);
      try {
        const screen = await t.until((s) => s.includes('CORRAL-EXIT='), 'the exit');
        expect(screen).toMatch(expected);
        expect(screen).toContain('CORRAL-EXIT=1');
      } finally {
        t.close();
      }
    });
  }

  it('exits when its terminal goes away, even while its collector is away too', async () => {
    // A closed window or a dropped ssh session must not leave a console spinning headless.
    const gone = await startCollector();
    const t = openTerminal([node, CORRAL_BIN, 'console', gone.url]);
    let pid = 0;
    try {
      await t.until((s) => s.includes('● connected'), 'the console');
      pid = t.commandPid();
      await gone.stop();
      await t.until((s) => s.includes('data stale'), 'the disconnected banner');
    } finally {
      t.close();
      gone.cleanup();
    }
    await waitFor(() => !existsSync(`/proc/${pid}`), 10_000, 'the console to exit');
  });

  it('leaves the terminal as it was on SIGTERM', async () => {
    const t = openTerminal([
      node,
      CORRAL_BIN,
      'console',
      collector.url,
      '--token',
      's3cret-viewer-token-0001',
    ]);
    try {
      await t.until((s) => s.includes('● connected'), 'the console');
      process.kill(t.commandPid(), 'SIGTERM');
      const screen = await t.until((s) => s.includes('CORRAL-EXIT='), 'the exit');
      expect(screen).toContain('CORRAL-EXIT=143');
      expect(screen).not.toContain('connected');
    } finally {
      t.close();
    }
  });

  it('connects with a viewer token and says who it is', async () => {
    const t = openTerminal([
      node,
      CORRAL_BIN,
      'console',
      collector.url,
      '--token',
      's3cret-viewer-token-0001',
    ]);
    try {
      await t.until((s) => s.includes('as jdoe (viewer)'), 'the viewer header');
      await t.press('C-c');
      expect(await t.until((s) => s.includes('CORRAL-EXIT='), 'the exit')).toContain(
        'CORRAL-EXIT=0',
      );
    } finally {
      t.close();
    }
  });
});
