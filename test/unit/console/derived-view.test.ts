// The view derived from the data, alone: sort, filter, grouping, counts, cursor and window.
import { describe, expect, it } from 'vitest';
import { initialData, type ConsoleData } from '../../../src/console/state/console-data.js';
import { buildLines, deriveView } from '../../../src/console/state/derived-view.js';
import { applyServerMessages } from '../../../src/console/state/server-messages.js';
import { T0, farm, hello, snapshot, view } from './fixtures.js';
import type { SlaveView } from '../../../src/domain/slave.js';

/** Data fed a snapshot of these slaves, its view derived, with these settings on top. */
function derived(slaves: SlaveView[], settings: Partial<ConsoleData> = {}): ConsoleData {
  const data = initialData('ws://test', T0);
  const { patch } = applyServerMessages(data, [hello(), snapshot(1, slaves)], T0);
  const fed = { ...data, ...patch, ...settings };
  return { ...fed, ...deriveView(fed, { resort: true }) };
}
const names = (d: ConsoleData) => d.visible.map((r) => r.name);

describe('the derived view', () => {
  it('sorts in docs/design.md state order and counts every state and the muted', () => {
    const d = derived(farm());
    expect(names(d)).toEqual([
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
    expect(d.counts).toMatchObject({ never: 1, critical: 1, dead: 3, ok: 2, muted: 1, total: 9 });
  });

  it('filters by text and state, and a bad regex hides nothing and says why', () => {
    expect(names(derived(farm(), { filterText: 'dead', stateFilter: 'muted' }))).toEqual([
      'muted-dead',
    ]);
    const bad = derived(farm(), { filterText: '/dead-(/' });
    expect(bad.filterError).toMatch(/not a regex/);
    expect(bad.visible).toHaveLength(9);
  });

  it('without a re-sort keeps the order and counts it had', () => {
    const d = derived(farm());
    const again = deriveView({ ...d, sort: 'name' }, { resort: false });
    expect(again.sorted).toBe(d.sorted);
    expect(again.counts).toBe(d.counts);
  });

  it('groups with a header per group counting its rows and marks, rows on the lines after', () => {
    const slaves = [
      view('a1', { pool: 'a' }),
      view('b1', { pool: 'b' }),
      view('a2', { pool: 'a' }),
      view('n1', { pool: null }),
    ];
    const d = derived(slaves, { grouping: 'pool', marks: new Set(['a2', 'b1', 'gone']) });
    expect(
      d.lines.map((l) => (l.kind === 'group' ? `${l.key}:${l.count}:${l.marked}` : l.row.name)),
    ).toEqual(['(no pool):1:0', 'n1', 'a:2:1', 'a1', 'a2', 'b:1:1', 'b1']);
    expect(d.rowLines).toEqual([1, 3, 4, 6]);
    expect(d.hiddenMarks).toBe(1);
    // No grouping, no headers.
    expect(buildLines(d.visible, 'none', d.marks).every((l) => l.kind === 'slave')).toBe(true);
  });

  it('the cursor follows its slave through a re-sort, but an unmoved cursor stays on the first row', () => {
    const d = derived(farm());
    const onLate = { ...d, cursor: 5, cursorName: 'late-1', top: 0 };
    const byName = deriveView({ ...onLate, sort: 'name' }, { resort: true });
    expect(byName.visible[byName.cursor]?.name).toBe('late-1');
    const unmoved = deriveView({ ...d, sort: 'name' }, { resort: true });
    expect(unmoved.cursor).toBe(0);
    expect(unmoved.cursorName).toBe('crit-1');
  });
});
