// The issue-18 panes as the operator sees them (ink-testing-library): the cause line, the
// confirmation's "already there" that follows another operator's downtime, an action that did
// nothing, a cancel that names who, and the action log scrolled to its last target.
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App, type Size } from '../../../src/console/App.js';
import { createConsoleStore, type ConsoleStore } from '../../../src/console/store.js';
import type { ActionView, ClientMessage } from '../../../src/domain/protocol.js';
import type { Muting, SlaveView } from '../../../src/domain/slave.js';
import { HOUR, T0, actionView, delta, hello, snapshot, view } from './fixtures.js';

const previousTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (previousTz === undefined) delete process.env.TZ;
  else process.env.TZ = previousTz;
});

const SIZE: Size = { columns: 120, rows: 40 };
const ESC = '\x1b';
const PAGE_DOWN = '\x1b[6~';
let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

const iso = (ms: number) => new Date(ms).toISOString();
const critical = (name: string): SlaveView => ({
  ...view(name, { ago: HOUR, criticalAgo: 120, master: 'bm05', pool: 'p1' }),
  lastCritical: { at: iso(T0 - 120_000), message: 'cannot connect to master bm05:9010' },
});
const bm05 = Array.from({ length: 6 }, (_, i) => critical(`bm05-slave-${i}`));
const aliceDowntime: Muting = {
  kind: 'downtime',
  author: 'alice',
  comment: 'bm05 is down',
  start: iso(T0 - 60_000),
  end: iso(T0 + 2 * HOUR * 1000),
  fixed: true,
  inEffect: true,
  downtimeId: 200,
};
const inAlicesDowntime = (v: SlaveView): SlaveView => ({
  ...v,
  muted: aliceDowntime,
  mutes: [aliceDowntime],
});

function fedStore(you = 'bob'): { store: ConsoleStore; sent: ClientMessage[] } {
  const store = createConsoleStore('ws://collector:8474', T0);
  const others = [view('ok-1', { ago: 600, master: 'bm01' })];
  const h = {
    ...hello(),
    you: { name: you, role: 'operator' as const },
    reboot: { methods: ['ssh', 'ipmi', 'hands'], pools: {} },
  };
  store.getState().applyMessages([h, snapshot(1, [...bm05, ...others])], T0);
  store.getState().setConnection({ status: 'connected' }, T0);
  const sent: ClientMessage[] = [];
  store.getState().setSender((m) => {
    sent.push(m);
    return true;
  });
  return { store, sent };
}

function show(store: ConsoleStore) {
  const r = render(<App store={store} size={SIZE} color={false} />);
  cleanup.push(() => r.unmount());
  const plain = () => stripVTControlCharacters(r.lastFrame() ?? '');
  const until = async (check: (text: string) => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    while (!check(plain())) {
      if (Date.now() > deadline) throw new Error(`frame never showed ${what}:\n${plain()}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  };
  const press = async (...inputs: string[]) => {
    for (const input of inputs) {
      await new Promise((res) => setTimeout(res, 20));
      r.stdin.write(input);
    }
  };
  return { plain, until, press, lines: () => plain().split('\n') };
}

const finished = (o: Partial<ActionView>) => actionView({ finishedAt: iso(T0), ...o });

describe('issue 18 panes', () => {
  it('says the cause above the table, and C shows exactly its slaves', async () => {
    const { store } = fedStore();
    const ui = show(store);
    await ui.until((t) => t.includes('bm05: 6 slaves critical since'), 'the cause line');
    const causeRow = ui.lines().findIndex((l) => l.includes('bm05: 6 slaves critical'));
    expect(ui.lines()[causeRow]).toContain('11:58 UTC: cannot connect to master bm05:9010');
    expect(ui.lines()[causeRow]).toContain('C: only these');
    // Right above the table's titles.
    expect(ui.lines()[causeRow + 1]).toMatch(/STATE/);
    await ui.press('C');
    await ui.until((t) => t.includes('[only these'), 'the cause filter');
    expect(ui.plain()).not.toContain('ok-1');
    expect(ui.plain()).toContain('showing 6 of 7');
  });

  it('the confirmation says whose downtime its targets are in, as soon as it lands, and s skips them', async () => {
    const { store, sent } = fedStore();
    const ui = show(store);
    await ui.until((t) => t.includes('bm05-slave-0'), 'the table');
    await ui.press('1', 'a', 'd');
    await ui.until((t) => t.includes('comment'), 'the form');
    await ui.press('\t', 'hands needed', '\r');
    await ui.until((t) => t.includes('on 6 slaves?'), 'the confirmation');
    expect(ui.plain()).not.toContain("alice's downtime");
    // Alice's downtime lands on three of them while bob's confirmation is open.
    store.getState().applyMessages([delta(2, bm05.slice(0, 3).map(inAlicesDowntime))], T0);
    await ui.until((t) => t.includes("3 already in alice's downtime until 14:00 UTC"), 'refresh');
    expect(ui.plain()).toContain(': bm05 is down (s skips them)');
    expect(ui.plain()).toContain('s skips the 3 muted');
    await ui.press('s');
    await ui.until((t) => t.includes('skipped (s includes them)'), 'skipping');
    await ui.press('\r');
    expect(sent.at(-1)).toMatchObject({ kind: 'downtime', params: { skipMuted: true } });
  });

  it('a cancel of downtimes names whose it removes, and o limits it to yours', async () => {
    const { store, sent } = fedStore('alice');
    store.getState().applyMessages([delta(2, bm05.slice(0, 2).map(inAlicesDowntime))], T0);
    const ui = show(store);
    await ui.until((t) => t.includes('bm05-slave-0'), 'the table');
    await ui.press('2', 'a', 'D');
    await ui.until((t) => t.includes('removes your downtime until 14:00 UTC on 2'), 'whose');
    await ui.press('o', '\r');
    expect(sent.at(-1)).toMatchObject({ kind: 'cancel-downtime', params: { author: 'alice' } });
  });

  it('a reboot that did nothing is not a tick, in the status line and in L; a cancel names who', async () => {
    const { store, sent } = fedStore();
    const ui = show(store);
    await ui.until((t) => t.includes('bm05-slave-0'), 'the table');
    await ui.press('r');
    await ui.until((t) => t.includes('Reboot 1 slave?'), 'the confirmation');
    await ui.press('\r');
    const requestId = (sent.at(-1) as { requestId: string }).requestId;
    const targets = [{ slave: 'bm05-slave-0', status: 'skipped' as const, error: 'muted' }];
    const nothing = finished({
      id: 7,
      kind: 'reboot',
      author: 'bob',
      summary: 'bob rebooted 1 slave',
      targets,
      outcome: 'nothing',
    });
    store
      .getState()
      .applyMessages([{ type: 'action', event: 'finished', requestId, action: nothing }], T0);
    await ui.until((t) => t.includes('○ did nothing: bob rebooted 1 slave'), 'did nothing');
    const status = ui.lines().find((l) => l.includes('did nothing'));
    expect(status).toBe('○ did nothing: bob rebooted 1 slave — 1 skipped (L: the log)');
    const cancelled = finished({
      id: 8,
      kind: 'reboot',
      author: 'alice',
      summary: 'alice rebooted 1 slave',
      targets: [{ slave: 'ok-1', status: 'cancelled', error: 'cancelled by bob (action 9)' }],
      outcome: 'cancelled',
      cancelledBy: 'bob',
    });
    store.getState().applyMessages([{ type: 'action', event: 'finished', action: cancelled }], T0);
    await ui.press('L');
    await ui.until((t) => t.includes('⊘ cancelled by bob: alice rebooted 1 slave'), 'the log');
    expect(ui.plain()).toMatch(/○ did nothing: bob rebooted 1 slave/);
    // It opens on the newest: alice's, with why its target is not back.
    expect(ui.plain()).toContain('#8: cancelled by bob: 1 of 1 not back');
    expect(ui.plain()).toContain('ok-1: cancelled: cancelled by bob (action 9)');
  });

  it('L lists every target not back with each method it ran, scrolls to the last, reopens on the newest', async () => {
    const { store } = fedStore();
    const reason =
      'ssh: exited 0, no start within 25s; ipmi: exited 0, no start within 25s; hands: the slave needs hands';
    const targets = Array.from({ length: 33 }, (_, i) => ({
      slave: `t-${String(i).padStart(2, '0')}`,
      status: i < 21 ? ('back' as const) : ('needs-hands' as const),
      error: i < 21 ? null : reason,
    }));
    const big = finished({
      id: 3,
      kind: 'reboot',
      summary: 'bob rebooted 33 slaves',
      targets,
      outcome: 'failed',
    });
    const older = finished({ id: 2, summary: 'alice scheduled a 2h downtime on 2 slaves' });
    store.getState().setLog({ status: 'ready', actions: [big, older] });
    const ui = show(store);
    await ui.press('L');
    await ui.until((t) => t.includes('#3: 12 of 33 not back'), 'the detail');
    expect(ui.plain()).toContain('t-21: needs-hands');
    expect(ui.plain()).toContain('    ssh: exited 0, no start within 25s');
    expect(ui.plain()).not.toContain('more)');
    for (const _ of [1, 2, 3, 4, 5]) await ui.press(PAGE_DOWN);
    await ui.until((t) => t.includes('t-32: needs-hands'), 'the last target');
    expect(ui.plain()).toContain('hands: the slave needs hands');
    expect(ui.plain()).toMatch(/of 48 lines/);
    // Away to the older one, close, reopen: on the newest again.
    await ui.press('j');
    await ui.until((t) => t.includes('#2:'), 'the older action');
    await ui.press(ESC, 'L');
    await ui.until((t) => t.includes('#3: 12 of 33 not back'), 'the newest again');
  });
});
