import { describe, expect, it } from 'vitest';
import { handleKey } from '../../../src/console/keys.js';
import { createConsoleStore, type ConsoleStore } from '../../../src/console/store.js';
import type { SlaveView } from '../../../src/domain/slave.js';
import { HOUR, T0, delta, downtime, hello, snapshot, view } from './fixtures.js';

const critical = (name: string, master: string, secondsAgo = 60): SlaveView => ({
  ...view(name, { ago: HOUR, criticalAgo: secondsAgo, master, pool: 'p1' }),
  lastCritical: {
    at: new Date(T0 - secondsAgo * 1000).toISOString(),
    message: `cannot connect to master ${master}:9010`,
  },
});
const many = (n: number, prefix: string, make: (name: string) => SlaveView) =>
  Array.from({ length: n }, (_, i) => make(`${prefix}-${String(i).padStart(2, '0')}`));

/** bm05 down (6 critical), a pool-less old master's slaves dead in a downtime, a few healthy ones muted. */
function closure(): SlaveView[] {
  return [
    ...many(6, 'bm05', (n) => critical(n, 'bm05')),
    ...many(4, 'old', (n) => ({
      ...view(n, { ago: 30 * HOUR, master: 'bm-old07' }),
      muted: downtime(),
    })),
    ...many(2, 'fine', (n) => ({
      ...view(n, { ago: 600, master: 'bm01' }),
      muted: downtime('bob'),
    })),
    view('lone-dead', { ago: 8 * HOUR, master: 'bm01' }),
    view('rebooting', { ago: 8 * HOUR, master: 'bm01', rebootingSinceAgo: 60 }),
    view('never', { ago: null, master: 'bm01' }),
    view('ok', { ago: 60, master: 'bm01' }),
  ];
}

function fedStore(slaves = closure()): ConsoleStore {
  const store = createConsoleStore('ws://test', T0);
  store.getState().applyMessages([hello(), snapshot(1, slaves)], T0);
  store.getState().setPageSize(40);
  return store;
}
const shown = (store: ConsoleStore) => store.getState().visible.map((r) => r.name);

describe('handled and unhandled', () => {
  it('1 shows only unhandled problems: not muted, not rebooting; 1 again every problem', () => {
    const store = fedStore();
    handleKey(store, '1', {});
    expect(shown(store).sort()).toEqual(
      [...many(6, 'bm05', (n) => view(n)).map((v) => v.name), 'lone-dead', 'never'].sort(),
    );
    handleKey(store, '1', {});
    expect(shown(store)).toContain('rebooting');
    expect(shown(store)).toContain('old-00');
  });

  it('3 shows the slaves muted while ok, and the header counts say how many', () => {
    const store = fedStore();
    handleKey(store, '3', {});
    expect(shown(store)).toEqual(['fine-00', 'fine-01']);
    const { triage } = store.getState();
    expect(triage.mutedHealthy).toBe(2);
    expect(triage.unhandled.dead).toBe(1);
    expect(triage.handled.dead).toBe(4);
    expect(triage.unhandled.critical).toBe(6);
    expect(triage.handled.rebooting).toBe(1);
    expect(triage.handled.ok).toBe(2);
  });

  it('grouping by master puts the worst unhandled group first, a muted old master last among problems', () => {
    const store = fedStore();
    handleKey(store, 'b', {});
    handleKey(store, 'b', {});
    const groups = store.getState().lines.flatMap((l) => (l.kind === 'group' ? [l.key] : []));
    // Alphabetical would be bm-old07, bm01, bm05.
    expect(groups).toEqual(['bm05', 'bm01', 'bm-old07']);
    const bm01 = store.getState().lines.find((l) => l.kind === 'group' && l.key === 'bm01');
    expect(bm01).toMatchObject({ states: { dead: 1, never: 1, rebooting: 1, ok: 3 } });
  });
});

describe('the cause key', () => {
  it('C shows exactly the cause’s slaves, follows the cause as it grows, Esc shows all again', () => {
    const store = fedStore();
    const s = () => store.getState();
    expect(s().causes.map((c) => [c.name, c.state, c.count])).toEqual([['bm05', 'critical', 6]]);
    handleKey(store, '/', {});
    handleKey(store, 'fine', {});
    handleKey(store, '', { return: true });
    handleKey(store, '2', {});
    handleKey(store, 'C', {});
    expect(shown(store).sort()).toEqual(many(6, 'bm05', (n) => view(n)).map((v) => v.name));
    // One more of bm05's slaves turns critical: it joins the cause and the view.
    s().applyMessages([delta(2, [critical('bm05-99', 'bm05', 30)])], T0);
    expect(shown(store)).toContain('bm05-99');
    expect(shown(store)).toHaveLength(7);
    handleKey(store, '', { escape: true });
    expect(s().causeFilter).toBeNull();
    expect(shown(store)).toHaveLength(closure().length + 1);
  });

  it('keeps the last slaves once the cause is handled, and C with no cause shows all', () => {
    const store = fedStore();
    const s = () => store.getState();
    handleKey(store, 'C', {});
    const muted = many(6, 'bm05', (n) => ({ ...critical(n, 'bm05'), muted: downtime('alice') }));
    s().applyMessages([delta(2, muted)], T0);
    expect(s().causes).toEqual([]);
    expect(shown(store)).toHaveLength(6);
    handleKey(store, 'C', {});
    expect(s().causeFilter).toBeNull();
    expect(shown(store)).toHaveLength(closure().length);
  });
});
