// The monitoring link in the console: the header says what the collector is wired to and whether
// it is reachable, the banner says what is wrong in full (wrapped, never cut), and the stream's
// `monitoring` messages change both.
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, test } from 'vitest';
import { App, type Size } from '../../../src/console/App.js';
import { createConsoleStore, type ConsoleStore } from '../../../src/console/store.js';
import type { MonitoringLink } from '../../../src/domain/protocol.js';
import { T0, farm, hello, snapshot } from './fixtures.js';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

const REACHABLE: MonitoringLink = {
  backend: 'nagios',
  reachable: true,
  problem: null,
  since: null,
};
const LONG_PROBLEM =
  'Nagios is not reading /var/lib/nagios4/rw/a-rather-long-directory-name/nagios.cmd; /var/lib/nagios4/status.dat is older than 3 status intervals of 10s: is Nagios running? (nagios.status_interval in corral.yaml is status_update_interval from nagios.cfg)';
const DOWN: MonitoringLink = {
  backend: 'nagios',
  reachable: false,
  problem: LONG_PROBLEM,
  since: new Date(T0 - 60_000).toISOString(),
};

function fedStore(monitoring?: MonitoringLink): ConsoleStore {
  const store = createConsoleStore('ws://collector:8474', T0);
  store
    .getState()
    .applyMessages([{ ...hello(), ...(monitoring && { monitoring }) }, snapshot(1, farm())], T0);
  store.getState().setConnection({ status: 'connected' }, T0);
  return store;
}

function show(store: ConsoleStore, size: Size) {
  const r = render(<App store={store} size={size} color={false} />);
  cleanup.push(() => r.unmount());
  const lines = () => stripVTControlCharacters(r.lastFrame() ?? '').split('\n');
  const until = async (check: (lines: string[]) => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    while (!check(lines())) {
      if (Date.now() > deadline)
        throw new Error(`frame never showed ${what}:\n${lines().join('\n')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { lines, until };
}

describe('the header', () => {
  test('a reachable Nagios: `nagios ✓` and no banner', async () => {
    const { lines, until } = show(fedStore(REACHABLE), { columns: 120, rows: 30 });
    await until((l) => l[0]!.includes('nagios ✓'), 'nagios ✓');
    expect(lines()[0]).toContain('● connected as jdoe (operator)  nagios ✓  server time');
    expect(bannerOf(lines())).toEqual([]);
  });

  test('no monitoring, and a collector that does not say (older) shows nothing of it', async () => {
    const none = show(fedStore({ ...REACHABLE, backend: 'none', reachable: false }), {
      columns: 120,
      rows: 30,
    });
    await none.until((l) => l[0]!.includes('no monitoring'), 'no monitoring');
    expect(bannerOf(none.lines())).toEqual([]);
    const older = show(fedStore(), { columns: 120, rows: 30 });
    await older.until((l) => l[0]!.includes('server time'), 'the header');
    expect(older.lines()[0]).not.toMatch(/nagios|monitoring/);
  });

  test('unreachable at 72 columns: `nagios ✗`, the whole problem wrapped under it, the frame still fits', async () => {
    const size = { columns: 72, rows: 24 };
    const { lines, until } = show(fedStore(DOWN), size);
    await until((l) => l[0]!.includes('nagios ✗'), 'nagios ✗');
    const banner = bannerOf(lines());
    expect(banner.length).toBeGreaterThan(3);
    const said = banner.map((l) => l.trim()).join(' ');
    expect(said).toBe(`nagios unreachable since ${clock(T0 - 60_000)}: ${LONG_PROBLEM}`);
    expect(banner.join('\n')).not.toContain('…');
    expect(lines().length).toBeLessThanOrEqual(size.rows - 1);
  });

  test('the demo without Nagios: no monitoring, and what to install, once', async () => {
    const note = 'nagios4 is not installed: apt-get install nagios4-core for a demo that acts';
    const { lines, until } = show(
      fedStore({ backend: 'none', reachable: false, problem: note, since: null }),
      { columns: 100, rows: 30 },
    );
    await until((l) => l.some((x) => x.includes(note)), 'the note');
    expect(lines().filter((l) => l.includes('apt-get install nagios4-core'))).toHaveLength(1);
  });

  test('a monitoring message turns it unreachable, and back', async () => {
    const store = fedStore(REACHABLE);
    const { lines, until } = show(store, { columns: 120, rows: 30 });
    await until((l) => l[0]!.includes('nagios ✓'), 'nagios ✓');
    store.getState().applyMessages([{ type: 'monitoring', monitoring: DOWN }], T0 + 1000);
    await until((l) => l[0]!.includes('nagios ✗'), 'nagios ✗');
    expect(bannerOf(lines())[0]).toContain('nagios unreachable since');
    store.getState().applyMessages([{ type: 'monitoring', monitoring: REACHABLE }], T0 + 2000);
    await until((l) => l[0]!.includes('nagios ✓'), 'nagios ✓ again');
    expect(bannerOf(lines())).toEqual([]);
  });

  test("while the collector is away, its banner comes first; the link's once connected", async () => {
    const store = fedStore(DOWN);
    store.getState().setConnection({ status: 'disconnected', error: 'refused' }, T0);
    const { lines, until } = show(store, { columns: 120, rows: 30 });
    await until((l) => l[2]!.includes('data stale'), 'the connection banner');
    expect(lines().join('\n')).not.toContain('nagios unreachable');
    store.getState().setConnection({ status: 'connected' }, T0 + 1000);
    await until((l) => l[2]!.includes('nagios unreachable'), 'the link banner once connected');
  });
});

/** The lines between the header's two and the table's column titles. */
function bannerOf(lines: string[]): string[] {
  return lines.slice(
    2,
    lines.findIndex((l) => /^\s*STATE\s+NAME/.test(l)),
  );
}

function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}
