// End to end: `corral demo` (npm start) in a real terminal. With nagios4 installed it starts a
// private Nagios, so the keys act and the header says `nagios ✓` (✗ while that Nagios hangs); every
// way out (q, Ctrl-C, SIGTERM, a closed tmux, a crash of the console) removes that Nagios and every
// temp dir. Without nagios4 the header says what to install. Needs `npm run build` first.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CORRAL_BIN, waitFor } from '../support/collector.js';
import { hasNagios } from '../support/nagios.js';
import { hasTmux, openTerminal, type Terminal } from './tmux.js';

const tmux = hasTmux();
const SLAVES = '30';

/** Processes whose command line names `dir`: the demo's Nagios (and its workers) run from there. */
function processesUnder(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(dir) && !cmdline.includes('corral.js')) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!tmux || !hasNagios)('npm start with Nagios installed', () => {
  let tmp: string;
  let term: Terminal | undefined;

  /** The demo in a terminal, its temp files in a dir of this test's own (TMPDIR). */
  const startDemo = async (env: string[] = [], node: string[] = []) => {
    tmp = mkdtempSync(path.join(tmpdir(), 'corral-demo-e2e-'));
    term = openTerminal(
      ['env', `TMPDIR=${tmp}`, ...env, process.execPath, ...node, CORRAL_BIN, 'demo'].concat([
        '--slaves',
        SLAVES,
      ]),
      { columns: 140, rows: 40 },
    );
    const started = Date.now();
    await term.until((s) => s.includes('nagios ✓') && /ok [1-9]/.test(s), 'the demo', 60_000);
    console.log(`demo up, wired to its Nagios, in ${Date.now() - started} ms`);
    const pid = term.commandPid();
    const nagios = processesUnder(tmp);
    expect(nagios.length).toBeGreaterThan(0);
    // The demo's dir and its Nagios's, in either order: mkdtemp's six random characters may sort
    // before or after `nagios-` (and may start with n).
    const dirs = readdirSync(tmp);
    expect(dirs).toHaveLength(2);
    expect(dirs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^corral-demo-[A-Za-z0-9]{6}$/),
        expect.stringMatching(/^corral-demo-nagios-[A-Za-z0-9]{6}$/),
      ]),
    );
    return { pid, nagios };
  };

  /** Once the demo has gone: no process of its Nagios alive, nothing left in its temp dir. */
  const leftNothing = async (demo: number, nagios: number[]) => {
    const asked = Date.now();
    await waitFor(() => !alive(demo), 30_000, 'the demo to exit');
    await waitFor(() => nagios.every((p) => !alive(p)), 10_000, "the demo's Nagios to exit");
    console.log(`demo and its Nagios gone in ${Date.now() - asked} ms`);
    expect(processesUnder(tmp)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  };

  afterEach(() => {
    term?.close();
    term = undefined;
    // A test that failed must not leave its demo's Nagios running.
    if (tmp) for (const pid of processesUnder(tmp)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('acts through its Nagios, shows it hanging and back, and quits with q leaving nothing', async () => {
    const { pid, nagios } = await startDemo();
    // A recheck of the slave under the cursor: Nagios confirms it (without Nagios it is refused).
    await term!.press('c');
    await term!.until((s) => s.includes('Recheck on 1 slave'), 'the recheck form');
    await term!.press('Enter');
    await term!.until((s) => s.includes('Enter/y send'), 'the confirmation');
    await term!.press('y');
    await term!.until((s) => /✓ local .*1 confirmed/.test(s), 'the recheck confirmed', 30_000);
    // The detail pane shows Nagios's side of the slave.
    await term!.press('Enter');
    await term!.until((s) => /^Nagios: /m.test(s), "the detail pane's Nagios line");

    // The Nagios hangs: status.dat goes stale, the header and the banner say so; then it is back.
    const main = Math.min(...nagios);
    process.kill(main, 'SIGSTOP');
    try {
      const screen = await term!.until((s) => s.includes('nagios ✗'), 'nagios ✗', 15_000);
      expect(screen).toMatch(/nagios unreachable since \d\d:\d\d:\d\d: /);
      expect(screen).toContain('is Nagios running?');
    } finally {
      process.kill(main, 'SIGCONT');
    }
    await term!.until((s) => s.includes('nagios ✓') && !s.includes('unreachable'), 'nagios ✓');

    await term!.press('q');
    await term!.until((s) => s.includes('CORRAL-EXIT=0'), 'the exit');
    await leftNothing(pid, nagios);
  }, 180_000);

  it('Ctrl-C leaves nothing', async () => {
    const { pid, nagios } = await startDemo();
    await term!.press('C-c');
    await term!.until((s) => s.includes('CORRAL-EXIT=0'), 'the exit');
    await leftNothing(pid, nagios);
  }, 120_000);

  it('SIGTERM leaves nothing', async () => {
    const { pid, nagios } = await startDemo();
    process.kill(pid, 'SIGTERM');
    await term!.until((s) => s.includes('CORRAL-EXIT=143'), 'the exit');
    await leftNothing(pid, nagios);
  }, 120_000);

  it('a killed tmux session (SIGHUP) leaves nothing', async () => {
    const { pid, nagios } = await startDemo();
    term!.close();
    term = undefined;
    await leftNothing(pid, nagios);
  }, 120_000);

  it('a crash of the console leaves nothing', async () => {
    // An uncaught exception inside the running console, on a signal of the test's choosing.
    const dir = mkdtempSync(path.join(tmpdir(), 'corral-demo-crash-'));
    const crash = path.join(dir, 'crash.mjs');
    writeFileSync(
      crash,
      "process.on('SIGUSR2', () => setImmediate(() => { throw new Error('a bug in the console'); }));\n",
    );
    try {
      const { pid, nagios } = await startDemo([], ['--import', crash]);
      process.kill(pid, 'SIGUSR2');
      const screen = await term!.until((s) => s.includes('CORRAL-EXIT='), 'the exit');
      // Said on the terminal as it was, not on the alternate screen that vanished.
      expect(screen).toContain('corral: the console failed: a bug in the console');
      expect(screen).toContain('CORRAL-EXIT=1');
      await leftNothing(pid, nagios);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.skipIf(!tmux)('npm start without Nagios', () => {
  it('says so once in the header, with the package to install', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'corral-demo-e2e-'));
    const term = openTerminal(
      [
        'env',
        `TMPDIR=${tmp}`,
        'NAGIOS_BIN=/nonexistent/nagios4',
        process.execPath,
        CORRAL_BIN,
        'demo',
        '--slaves',
        SLAVES,
      ],
      { columns: 140, rows: 40 },
    );
    try {
      const screen = await term.until(
        (s) => s.includes('no monitoring') && /ok [1-9]/.test(s),
        'the demo',
        60_000,
      );
      // Said once, whole: wrapped over the banner's lines, never cut.
      const lines = screen.split('\n');
      const banner = lines.slice(
        2,
        lines.findIndex((l) => /^\s*STATE\s+NAME/.test(l)),
      );
      expect(banner.join(' ').replace(/\s+/g, ' ')).toContain(
        'no monitoring: /nonexistent/nagios4 is not installed, so d, D, A, U and c cannot act: apt-get install nagios4-core monitoring-plugins-basic, then npm start again',
      );
      expect(lines.filter((l) => l.includes('apt-get install'))).toHaveLength(1);
      expect(banner.join('')).not.toContain('…');
      await term.press('q');
      await term.until((s) => s.includes('CORRAL-EXIT=0'), 'the exit');
      await waitFor(() => readdirSync(tmp).length === 0, 10_000, 'the temp dir emptied');
    } finally {
      term.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});
