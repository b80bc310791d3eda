import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { App, type Size } from '../../../src/console/App.js';
import { helpEntries } from '../../../src/console/key-table.js';
import { createConsoleStore, type ConsoleStore } from '../../../src/console/store.js';
import { HOUR, T0, delta, downtime, farm, hello, snapshot, view } from './fixtures.js';
import { countTargets } from '../../../src/domain/protocol.js';

// Colour on, as in a terminal: chalk decides when it is first imported.
const previousForceColor = vi.hoisted(() => {
  const previous = process.env.FORCE_COLOR;
  process.env.FORCE_COLOR = '1';
  return previous;
});
// The worker's environment outlives this file: leave it as it was for the files after it.
afterAll(() => {
  if (previousForceColor === undefined) delete process.env.FORCE_COLOR;
  else process.env.FORCE_COLOR = previousForceColor;
});

const SIZE: Size = { columns: 120, rows: 30 };
const KEY_HELP = helpEntries('table');
const ESC = '\x1b';
let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

function fedStore(slaves = farm()): ConsoleStore {
  const store = createConsoleStore('ws://collector:8474', T0);
  store.getState().applyMessages([hello(), snapshot(1, slaves)], T0);
  store.getState().setConnection({ status: 'connected' }, T0);
  return store;
}

function show(store: ConsoleStore, size = SIZE, color = true) {
  const r = render(<App store={store} size={size} color={color} />);
  cleanup.push(() => r.unmount());
  const frame = () => r.lastFrame() ?? '';
  const plain = () => stripVTControlCharacters(frame());
  /** Polls until the frame satisfies the check: Ink renders asynchronously. */
  const until = async (check: (text: string) => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    while (!check(plain())) {
      if (Date.now() > deadline) throw new Error(`frame never showed ${what}:\n${plain()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const press = async (input: string) => {
    // The input effect attaches after the first commit; give it a tick.
    await new Promise((r) => setTimeout(r, 20));
    r.stdin.write(input);
    await new Promise((r) => setTimeout(r, 20));
  };
  return { frame, plain, until, press, lines: () => plain().split('\n') };
}

const rowOf = (lines: string[], name: string) => lines.find((l) => l.includes(` ${name} `)) ?? '';

describe('console app', () => {
  it('shows the header, counts and rows in state order with readable marks', async () => {
    const ui = show(fedStore());
    await ui.until((t) => t.includes('never-1'), 'the table');
    const lines = ui.lines();
    expect(lines[0]).toContain('ws://collector:8474');
    expect(lines[0]).toContain('connected as jdoe (operator)');
    expect(lines[1]).toMatch(
      /never 1 +critical 1 +dead 2 \+1 handled +late 1 +needs-hands 0 +rebooting 1 +ok 2 +muted 1/,
    );
    const order = [
      'never-1',
      'crit-1',
      'muted-dead',
      'dead-old',
      'dead-young',
      'late-1',
      'rebooting-1',
      'ok-older',
      'ok-young',
    ];
    const at = order.map((n) => lines.findIndex((l) => l.includes(` ${n} `)));
    expect(at.every((i, k) => i > 0 && (k === 0 || i > at[k - 1]!))).toBe(true);
    expect(rowOf(lines, 'never-1')).toContain('? NEVER');
    expect(rowOf(lines, 'crit-1')).toContain('✖ CRIT');
    expect(rowOf(lines, 'dead-old')).toContain('✖ DEAD');
    expect(rowOf(lines, 'late-1')).toMatch(/▲ LATE .* 6h02m .*DEAD in 58m/);
    expect(rowOf(lines, 'ok-older')).toMatch(/✓ OK .* 5h00m .*LATE in 1h00m/);
    expect(rowOf(lines, 'muted-dead')).toContain('DT→');
    expect(rowOf(lines, 'rebooting-1')).toContain('↻ REBOOT');
    // The frame stays one line shorter than the terminal.
    expect(lines.length).toBeLessThanOrEqual(SIZE.rows - 1);
  });

  it('colours states like Nagios, dims muted rows, and drops colour with NO_COLOR', async () => {
    const colored = show(fedStore());
    await colored.until((t) => t.includes('never-1'), 'the table');
    const f = colored.frame();
    const line = (name: string) => f.split('\n').find((l) => l.includes(name)) ?? '';
    expect(line('dead-old')).toContain(`${ESC}[31m`);
    expect(line('late-1')).toContain(`${ESC}[33m`);
    expect(line('never-1')).toContain(`${ESC}[35m`);
    // Muted rows are dimmed but keep their state's colour: a muted DEAD still reads as one.
    expect(line('muted-dead')).toContain(`${ESC}[2m`);
    expect(line('muted-dead')).toContain(`${ESC}[31m✖ DEAD`);
    const plain = show(fedStore(), SIZE, false);
    await plain.until((t) => t.includes('never-1'), 'the table');
    expect(plain.frame()).not.toMatch(new RegExp(`${ESC}\\[(3[0-7]|9[0-7])m`));
  });

  it('ticks ages and crosses thresholds at the right second', async () => {
    const store = fedStore([view('edge', { ago: 6 * HOUR - 1 }), view('calm', { ago: 60 })]);
    const ui = show(store);
    await ui.until((t) => t.includes('edge'), 'the table');
    expect(rowOf(ui.lines(), 'edge')).toMatch(/✓ OK .* 5h59m .*LATE in 1s/);
    store.getState().tick(T0 + 1000);
    await ui.until((t) => rowOf(t.split('\n'), 'edge').includes('▲ LATE'), 'edge late');
    expect(rowOf(ui.lines(), 'edge')).toMatch(/6h00m .*DEAD in 1h00m/);
    expect(ui.lines()[1]).toMatch(/late 1/);
    store.getState().tick(T0 + 1000 + HOUR * 1000);
    await ui.until((t) => rowOf(t.split('\n'), 'edge').includes('✖ DEAD'), 'edge dead');
  });

  it('filters incrementally as the operator types, and Esc clears', async () => {
    const ui = show(fedStore());
    await ui.until((t) => t.includes('never-1'), 'the table');
    await ui.press('/');
    for (const ch of 'young') await ui.press(ch);
    await ui.until((t) => t.includes('/young'), 'the filter prompt');
    expect(ui.plain()).toContain('showing 2 of 9');
    expect(ui.plain()).not.toContain('never-1');
    await ui.press(ESC);
    await ui.until((t) => t.includes('never-1'), 'all rows again');
    expect(ui.plain()).toContain('showing 9 of 9');
  });

  it('takes a filter, its Enter and the keys after it written in one go, and a bracketed paste as text', async () => {
    const store = fedStore();
    const ui = show(store);
    await ui.until((t) => t.includes('never-1'), 'the table');
    // Ink hands `young\r` to its input hooks as one input; the console splits it into keys.
    await ui.press('/young\ra');
    await ui.until((t) => t.includes('2 marked'), 'the marks after the filter');
    expect(ui.plain()).toContain('/young  showing 2 of 9');
    expect(store.getState().mode).toBe('table');
    await ui.press(`u/${ESC}[200~dead${ESC}[31m\r\nx${ESC}[201~`);
    await ui.until((t) => t.includes('/youngdead x▏'), 'the pasted filter, still editing');
    expect(store.getState().mode).toBe('filter');
  });
  it('says how many marks are hidden by the filter, and keeps marks through updates', async () => {
    const store = fedStore();
    const ui = show(store);
    await ui.until((t) => t.includes('never-1'), 'the table');
    await ui.press(' ');
    await ui.press(' ');
    await ui.until((t) => t.includes('2 marked'), 'marks');
    expect(rowOf(ui.lines(), 'never-1')).toMatch(/^◆/);
    store.getState().setFilterText('dead');
    await ui.until((t) => t.includes('2 marked (2 hidden by filter)'), 'hidden marks');
    store.getState().applyMessages([delta(2, [view('crit-1', { ago: 30 })])], T0);
    store.getState().setFilterText('');
    await ui.until((t) => /2 marked\s*$/m.test(t), 'marks after the update');
    expect(rowOf(ui.lines(), 'crit-1')).toMatch(/^◆ +✓ OK/);
  });

  it('cycles sorts with s and groups with b', async () => {
    const ui = show(fedStore());
    await ui.until((t) => t.includes('never-1'), 'the table');
    await ui.press('s');
    await ui.until((t) => t.includes('sort: next'), 'next sort');
    for (const _ of [1, 2]) await ui.press('s');
    await ui.until((t) => t.includes('sort: name'), 'name sort');
    const names = ui.lines().filter((l) => /^[◆ ] /.test(l) && /[✓✖▲?↻!]/.test(l));
    expect(names[0]).toContain('crit-1');
    await ui.press('b');
    await ui.until((t) => t.includes('── talos-r3-fed (8: 1 never · 1 critical'), 'pool groups');
    // The pool whose one dead slave is in a downtime is handled: it comes after the other.
    const groups = ui.lines().filter((l) => l.startsWith('──'));
    expect(groups[1]).toContain('── talos-r4-snow (1: 1 dead)');
  });

  it('opens the detail pane with history, muting and actions', async () => {
    const store = fedStore();
    const ui = show(store);
    await ui.until((t) => t.includes('never-1'), 'the table');
    await ui.press('jj');
    await ui.press('\r');
    await ui.until((t) => t.includes('loading history'), 'the detail pane');
    expect(ui.plain()).toContain('downtime by jdoe');
    expect(ui.plain()).toContain('waiting for hands');
    const base = view('muted-dead', { ago: 10 * HOUR, pool: 'talos-r4-snow', muted: downtime() });
    const at = (h: number) => new Date(T0 - h * 3600_000).toISOString();
    store.getState().setDetail({
      name: 'muted-dead',
      status: 'ready',
      error: null,
      data: {
        ...base,
        starts: [
          { at: at(10), intervalSeconds: 6 * 3600 + 120 },
          { at: at(16), intervalSeconds: 5 * 3600 },
          { at: at(21), intervalSeconds: null },
        ],
        messages: [{ at: at(11), kind: 'critical', message: 'cannot reach bm01' }],
        actions: [],
        nagios: {
          host: 'muted-dead',
          service: 'buildbot-start',
          state: 'CRITICAL',
          output: 'no buildbot start for 10h00m',
          lastCheck: at(0),
          downtimes: [0, 1].map((id) => ({
            id,
            start: at(1),
            end: at(-24),
            fixed: true,
            inEffect: true,
            author: 'jdoe',
            comment: 'moving masters',
          })),
          acknowledgement: null,
          comments: [{ at: at(2), author: 'asmith', comment: 'disk swap booked' }],
        },
      },
    });
    await ui.until((t) => t.includes('median 6h02m'), 'the history');
    expect(ui.plain()).toMatch(
      /Nagios: CRITICAL no buildbot start for 10h00m \(checked \d\d-\d\d \d\d:\d\d \S+\) · 2 downtimes · 1 comment, latest by asmith/,
    );
    // The intervals oldest first as a sparkline, then the numbers.
    expect(ui.plain()).toContain(
      'cycle ▇█  median 6h02m, shortest 5h00m, longest 6h02m over 2 intervals',
    );
    expect(ui.plain()).toContain('critical: cannot reach bm01');
    expect(ui.plain()).toContain('nothing in flight');
    expect(ui.plain()).toContain('no actions yet');
    // The slave's recent actions, as its detail from the collector carries them.
    const detail = store.getState().detail!;
    store.getState().setDetail({
      ...detail,
      data: {
        ...detail.data!,
        actions: [
          {
            id: 3,
            at: at(1),
            author: 'jdoe',
            kind: 'downtime',
            params: {},
            summary: 'jdoe scheduled a 2h downtime on 4 slaves',
            targets: [{ slave: 'muted-dead', status: 'confirmed', error: null }],
            counts: { ...countTargets([]), confirmed: 4 },
            finishedAt: at(1),
            outcome: 'done',
            cancelledBy: null,
          },
        ],
      },
    });
    await ui.until((t) => t.includes('jdoe downtime: confirmed'), 'the action history');
    expect(ui.plain()).toContain(
      'jdoe downtime: confirmed · jdoe scheduled a 2h downtime on 4 slaves',
    );
  });

  it('shows every key in the help overlay', async () => {
    const ui = show(fedStore(), { columns: 120, rows: 36 });
    await ui.until((t) => t.includes('never-1'), 'the table');
    await ui.press('?');
    await ui.until((t) => t.includes('keys (any key closes)'), 'help');
    // Each entry on a line of its own, in order, its words cut only by the terminal's width.
    const width = Math.max(...KEY_HELP.map(([k]) => k.length)) + 2;
    const entries = ui
      .lines()
      .map((l) => l.replace(/^│ /, '').replace(/ *│$/, ''))
      .filter((l) => KEY_HELP.some(([k]) => l.startsWith(k.padEnd(width))));
    expect(entries).toHaveLength(KEY_HELP.length);
    KEY_HELP.forEach(([keys, what], i) => {
      expect(entries[i]!.slice(0, width)).toBe(keys.padEnd(width));
      const shown = entries[i]!.slice(width);
      if (shown.endsWith('…')) expect(what.slice(0, shown.length - 1)).toBe(shown.slice(0, -1));
      else expect(shown).toBe(what);
    });
    await ui.press('x');
    await ui.until((t) => t.includes('never-1'), 'the table after help');
  });

  it('shows a stale banner while disconnected, ages still ticking', async () => {
    const store = fedStore([view('a', { ago: 60 })]);
    const ui = show(store);
    await ui.until((t) => t.includes(' a '), 'the table');
    store
      .getState()
      .setConnection(
        { status: 'disconnected', error: 'connection refused', retryAt: T0 + 4000 },
        T0,
      );
    store.getState().tick(T0 + 42_000);
    await ui.until((t) => t.includes('disconnected 42s, data stale'), 'the banner');
    expect(ui.plain()).toContain('reconnecting in 0s (connection refused)');
    expect(rowOf(ui.lines(), 'a')).toContain('~1m');
    // Back online: the banner goes, ages are plain again.
    store.getState().setConnection({ status: 'connected' }, T0 + 43_000);
    await ui.until((t) => !t.includes('data stale'), 'no banner');
    expect(rowOf(ui.lines(), 'a')).not.toContain('~');
  });

  it('shows an action in flight in its own column while it lasts', async () => {
    // No reboot in flight either: the column is away until the action comes.
    const store = fedStore(farm().filter((v) => v.reboot === null));
    const ui = show(store);
    await ui.until((t) => t.includes('never-1'), 'the table');
    expect(ui.plain()).not.toContain('ACTION');
    const targets = (status: 'sent' | 'confirmed') => [{ slave: 'dead-old', status, error: null }];
    const action = (event: 'sent' | 'finished', status: 'sent' | 'confirmed') => ({
      type: 'action' as const,
      event,
      action: {
        id: 4,
        at: new Date(T0).toISOString(),
        author: 'jdoe',
        kind: 'downtime' as const,
        params: {},
        summary: 'jdoe scheduled a downtime on 1 slave',
        targets: targets(status),
        counts: { ...countTargets([]), sent: 1 },
        finishedAt: null,
        outcome: null,
        cancelledBy: null,
      },
    });
    store.getState().applyMessages([action('sent', 'sent')], T0);
    await ui.until((t) => t.includes('ACTION'), 'the action column');
    expect(rowOf(ui.lines(), 'dead-old')).toMatch(/downtime sent/);
    store.getState().applyMessages([action('finished', 'confirmed')], T0);
    await ui.until((t) => !t.includes('downtime sent'), 'the action settled');
  });

  it('drops columns on a narrow terminal instead of wrapping', async () => {
    const narrow = { columns: 60, rows: 20 };
    const ui = show(fedStore(), narrow);
    await ui.until((t) => t.includes('never-1'), 'the table');
    const lines = ui.lines();
    expect(lines.every((l) => l.length <= 60)).toBe(true);
    expect(lines.join('\n')).not.toContain('POOL');
    expect(rowOf(lines, 'late-1')).toMatch(/▲ LATE +late-1 +6h02m/);
    expect(lines.length).toBeLessThanOrEqual(19);
  });
});
