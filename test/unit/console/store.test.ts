import { describe, expect, it } from 'vitest';
import { createConsoleStore, type ConsoleStore } from '../../../src/console/store.js';
import { countTargets, type ActionMessage } from '../../../src/domain/protocol.js';
import { HOUR, T0, delta, farm, hello, snapshot, view } from './fixtures.js';

/** A store fed with hello + snapshot at T0, the local clock equal to the server's. */
function fedStore(slaves = farm(), pools = {}): ConsoleStore {
  const store = createConsoleStore('ws://test', T0);
  store.getState().applyMessages([hello(pools), snapshot(1, slaves)], T0);
  return store;
}
const names = (store: ConsoleStore) => store.getState().visible.map((r) => r.name);
const stateOf = (store: ConsoleStore, name: string) => store.getState().slaves.get(name)?.state;

describe('console store: order', () => {
  it('sorts by docs/design.md state order, then oldest start first', () => {
    expect(names(fedStore())).toEqual([
      'never-1',
      'crit-1',
      'muted-dead',
      'dead-old',
      'dead-young',
      'late-1',
      'rebooting-1',
      'ok-older',
      'ok-young',
    ]);
  });

  it('counts every state and the muted ones', () => {
    const c = fedStore().getState().counts;
    expect(c).toMatchObject({ never: 1, critical: 1, dead: 3, late: 1, rebooting: 1, ok: 2 });
    expect(c.muted).toBe(1);
    expect(c.total).toBe(9);
  });

  it('computes states locally from the thresholds in hello, per pool', () => {
    const store = fedStore([view('snow', { ago: 10 * HOUR, pool: 'snow' })], {
      snow: { warningSeconds: 30 * HOUR, criticalSeconds: 36 * HOUR },
    });
    expect(stateOf(store, 'snow')).toBe('ok');
  });

  it('sorts by each key and cycles back to state', () => {
    const store = fedStore([
      view('b', { ago: 100, pool: 'p2', master: 'm1' }),
      view('a', { ago: 5 * HOUR + 3000, pool: 'p1', master: 'm2' }),
      view('c', { ago: 3000, pool: null, master: 'm0' }),
    ]);
    const s = () => store.getState();
    expect(s().sort).toBe('state');
    s().setSort('name');
    expect(names(store)).toEqual(['a', 'b', 'c']);
    s().setSort('pool');
    expect(names(store)).toEqual(['a', 'b', 'c']); // no pool last
    s().setSort('master');
    expect(names(store)).toEqual(['c', 'b', 'a']);
    s().setSort('age');
    expect(names(store)).toEqual(['a', 'c', 'b']);
    // next: the one that turns late soonest first.
    s().setSort('next');
    expect(names(store)).toEqual(['a', 'c', 'b']);
    s().setSort('master');
    s().cycleSort();
    expect(s().sort).toBe('state');
  });

  it('puts slaves time cannot change after those about to change in the "next" sort', () => {
    const store = fedStore([view('dead', { ago: 8 * HOUR }), view('soon', { ago: 6 * HOUR - 60 })]);
    store.getState().setSort('next');
    expect(names(store)).toEqual(['soon', 'dead']);
  });
});

describe('console store: ticking', () => {
  it('turns a slave late and then dead at the exact second, with no message', () => {
    const store = fedStore([view('edge', { ago: 6 * HOUR - 2 }), view('other', { ago: 60 })]);
    const s = () => store.getState();
    s().tick(T0 + 1000);
    expect(stateOf(store, 'edge')).toBe('ok');
    s().tick(T0 + 2000);
    expect(stateOf(store, 'edge')).toBe('late');
    expect(s().counts.late).toBe(1);
    s().tick(T0 + 2000 + HOUR * 1000 - 1000);
    expect(stateOf(store, 'edge')).toBe('late');
    s().tick(T0 + 2000 + HOUR * 1000);
    expect(stateOf(store, 'edge')).toBe('dead');
    expect(s().counts).toMatchObject({ dead: 1, late: 0, ok: 1 });
  });

  it('ticks from the server clock offset, not the local clock', () => {
    const store = createConsoleStore('ws://test', T0);
    // The local clock runs 10 minutes behind the server.
    const local = T0 - 600_000;
    store
      .getState()
      .applyMessages([hello(), snapshot(1, [view('edge', { ago: 6 * HOUR - 30 })])], local);
    store.getState().tick(local + 29_000);
    expect(stateOf(store, 'edge')).toBe('ok');
    store.getState().tick(local + 30_000);
    expect(stateOf(store, 'edge')).toBe('late');
    expect(store.getState().now).toBe(T0 + 30_000);
  });

  it('re-sorts when a state changes on a tick', () => {
    const store = fedStore([view('a', { ago: 5 * HOUR }), view('b', { ago: 6 * HOUR - 1 })]);
    store.getState().setSort('name');
    store.getState().setSort('state');
    expect(names(store)).toEqual(['b', 'a']);
    store.getState().setStateFilter('problems');
    expect(names(store)).toEqual([]);
    store.getState().tick(T0 + 1000);
    expect(names(store)).toEqual(['b']);
  });
});

describe('console store: filters', () => {
  it('filters on name, pool and master, case-insensitively', () => {
    const store = fedStore();
    store.getState().setFilterText('SNOW');
    expect(names(store)).toEqual(['muted-dead']);
    store.getState().setFilterText('dead');
    expect(names(store)).toEqual(['muted-dead', 'dead-old', 'dead-young']);
  });

  it('takes a regex between slashes and reports a bad one without hiding everything', () => {
    const store = fedStore();
    store.getState().setFilterText('/^dead-/');
    expect(names(store)).toEqual(['dead-old', 'dead-young']);
    store.getState().setFilterText('/dead-(/');
    expect(store.getState().filterError).toMatch(/not a regex/);
    expect(names(store)).toHaveLength(9);
  });

  it('has quick filters for problems and muted slaves', () => {
    const store = fedStore();
    store.getState().setStateFilter('problems');
    expect(names(store)).toEqual([
      'never-1',
      'crit-1',
      'muted-dead',
      'dead-old',
      'dead-young',
      'late-1',
      'rebooting-1',
    ]);
    store.getState().setStateFilter('muted');
    expect(names(store)).toEqual(['muted-dead']);
  });
});

describe('console store: marks', () => {
  it('keeps marks through updates, re-sorting and filtering, and counts the hidden ones', () => {
    const store = fedStore();
    const s = () => store.getState();
    s().moveTo(3); // dead-old
    s().toggleMark(); // and moves down to dead-young
    expect(s().cursorName).toBe('dead-young');
    s().toggleMark();
    expect([...s().marks]).toEqual(['dead-old', 'dead-young']);
    // A delta brings dead-old back to life: it moves but stays marked.
    s().applyMessages([delta(2, [view('dead-old', { ago: 5 })])], T0);
    expect(s().marks.has('dead-old')).toBe(true);
    s().cycleSort();
    s().setFilterText('young');
    expect(names(store)).toEqual(['ok-young', 'dead-young']); // sorted by next change
    expect(s().marks.size).toBe(2);
    expect(s().hiddenMarks).toBe(1);
    s().markVisible();
    expect(s().marks.size).toBe(3);
    expect(s().hiddenMarks).toBe(1);
    s().setFilterText('');
    expect(s().hiddenMarks).toBe(0);
    s().clearMarks();
    expect(s().marks.size).toBe(0);
  });

  it('keeps marks across a reconnect snapshot but forgets slaves the collector removed', () => {
    const store = fedStore();
    const s = () => store.getState();
    s().moveTo(0);
    s().toggleMark();
    s().toggleMark();
    expect([...s().marks]).toEqual(['never-1', 'crit-1']);
    s().applyMessages([delta(2, [], ['crit-1'])], T0);
    expect([...s().marks]).toEqual(['never-1']);
    s().applyMessages([hello(), snapshot(40, farm())], T0 + 5000);
    expect([...s().marks]).toEqual(['never-1']);
  });

  it('keeps an unmoved cursor on the first row as the worst slave changes', () => {
    const store = fedStore();
    expect(store.getState().cursorName).toBe('never-1');
    store.getState().applyMessages([delta(2, [view('never-0', { ago: null })])], T0);
    expect(store.getState().cursor).toBe(0);
    expect(store.getState().cursorName).toBe('never-0');
  });

  it('keeps the cursor on the same slave when the order changes', () => {
    const store = fedStore();
    store.getState().moveTo(8);
    expect(store.getState().cursorName).toBe('ok-young');
    store.getState().setSort('name');
    expect(store.getState().cursorName).toBe('ok-young');
    expect(store.getState().visible[store.getState().cursor]!.name).toBe('ok-young');
  });
});

describe('console store: protocol', () => {
  it('asks for a resync on a sequence gap and ignores deltas until the snapshot', () => {
    const store = fedStore();
    const s = () => store.getState();
    expect(s().applyMessages([delta(2, [view('new-1')])], T0).needResync).toBe(false);
    expect(s().slaves.has('new-1')).toBe(true);
    expect(s().applyMessages([delta(4, [view('new-2')])], T0).needResync).toBe(true);
    expect(s().slaves.has('new-2')).toBe(false);
    expect(s().applyMessages([delta(5, [view('new-3')])], T0).needResync).toBe(true);
    expect(s().slaves.has('new-3')).toBe(false);
    s().applyMessages([snapshot(9, [...farm(), view('new-2')])], T0);
    expect(s().slaves.has('new-2')).toBe(true);
    expect(s().applyMessages([delta(10, [view('new-4')])], T0).needResync).toBe(false);
    expect(s().slaves.has('new-4')).toBe(true);
  });

  it('applies a batch of deltas in order in one update', () => {
    const store = fedStore([view('a')]);
    let updates = 0;
    store.subscribe(() => updates++);
    store
      .getState()
      .applyMessages(
        [delta(2, [view('b')]), delta(3, [view('a', { ago: 9 * HOUR })]), delta(4, [], ['b'])],
        T0,
      );
    expect(updates).toBe(1);
    expect(names(store)).toEqual(['a']);
    expect(stateOf(store, 'a')).toBe('dead');
  });
});

describe('console store: actions', () => {
  const action = (
    id: number,
    event: 'started' | 'sent' | 'finished',
    targets: Array<[string, 'pending' | 'sent' | 'confirmed' | 'failed']>,
  ): ActionMessage => ({
    type: 'action',
    event,
    action: {
      id,
      at: new Date(T0).toISOString(),
      author: 'jdoe',
      kind: 'downtime',
      params: { comment: 'hands' },
      summary: `jdoe scheduled a downtime on ${targets.length} slaves`,
      targets: targets.map(([slave, status]) => ({ slave, status, error: null })),
      counts: countTargets([]),
      finishedAt: null,
      outcome: null,
      cancelledBy: null,
    },
  });

  it('shows what is in flight on each slave until the action settles', () => {
    const store = fedStore();
    const s = () => store.getState();
    s().applyMessages(
      [
        action(1, 'started', [
          ['dead-old', 'pending'],
          ['late-1', 'pending'],
        ]),
      ],
      T0,
    );
    expect(s().inFlight.get('dead-old')).toBe('downtime pending jdoe');
    s().applyMessages(
      [
        action(1, 'sent', [
          ['dead-old', 'sent'],
          ['late-1', 'failed'],
        ]),
      ],
      T0,
    );
    expect(s().inFlight.get('dead-old')).toBe('downtime sent jdoe');
    expect(s().inFlight.has('late-1')).toBe(false);
    s().applyMessages(
      [
        action(1, 'finished', [
          ['dead-old', 'confirmed'],
          ['late-1', 'failed'],
        ]),
      ],
      T0,
    );
    expect(s().inFlight.size).toBe(0);
  });

  it('keeps its clock and data through messages that are not about slaves', () => {
    const store = fedStore();
    const before = store.getState().offsetMs;
    store
      .getState()
      .applyMessages(
        [
          action(2, 'started', [['dead-old', 'pending']]),
          { type: 'dry-run', dryRun: true, summary: 'x', targets: [], lines: [], existing: [] },
          { type: 'something-newer' } as unknown as ActionMessage,
        ],
        T0 + 5000,
      );
    expect(store.getState().offsetMs).toBe(before);
    // The clock follows the local time the messages came at, through the unchanged offset.
    expect(store.getState().now).toBe(T0 + 5000);
    expect(store.getState().visible).toHaveLength(9);
  });
});

describe('console store: grouping and window', () => {
  it('groups by pool with a count per group', () => {
    const store = fedStore();
    store.getState().cycleGrouping();
    expect(store.getState().grouping).toBe('pool');
    const headers = store
      .getState()
      .lines.filter((l) => l.kind === 'group')
      .map((l) => `${l.key}:${l.count}`);
    expect(headers).toEqual(['talos-r3-fed:8', 'talos-r4-snow:1']);
    // On the first row, the window shows its group's header too.
    store.getState().setPageSize(3);
    store.getState().moveTo(8);
    store.getState().moveTo(0);
    expect(store.getState().top).toBe(0);
    expect(store.getState().lines[0]!.kind).toBe('group');
    store.getState().cycleGrouping();
    expect(store.getState().grouping).toBe('master');
  });

  it('keeps the cursor inside the window when paging', () => {
    const many = Array.from({ length: 100 }, (_, i) =>
      view(`s-${String(i).padStart(3, '0')}`, { ago: 100 + i }),
    );
    const store = fedStore(many);
    const s = () => store.getState();
    s().setPageSize(10);
    s().moveCursor(25);
    expect(s().cursor).toBe(25);
    expect(s().top).toBe(16);
    s().moveTo(99);
    expect(s().top).toBe(90);
    s().moveCursor(5);
    expect(s().cursor).toBe(99);
    s().moveTo(0);
    expect(s().top).toBe(0);
    s().moveCursor(-3);
    expect(s().cursor).toBe(0);
  });
});

describe('console store: each store owns its state', () => {
  it('two stores in one process number their requests apart, each from its first', () => {
    const ids = (store: ConsoleStore) => {
      const sent: string[] = [];
      store.getState().setSender((m) => {
        if (m.type === 'action') sent.push(m.requestId);
        return true;
      });
      store.getState().moveTo(3);
      store.getState().openAction('recheck');
      store.getState().submitForm();
      store.getState().toggleDryRun();
      store.getState().confirmAction();
      return sent;
    };
    const a = ids(fedStore());
    const b = ids(fedStore());
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
    expect(a[0]).toMatch(/-1$/);
    expect(b[0]).toMatch(/-1$/);
    expect(a[0]!.replace(/-1$/, '')).not.toBe(b[0]!.replace(/-1$/, ''));
  });
});
