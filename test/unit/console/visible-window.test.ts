// Which lines the table shows: the cursor in view, and a group's header with its first row.
import { describe, expect, it } from 'vitest';
import type { Line } from '../../../src/console/state/console-data.js';
import { windowTop } from '../../../src/console/state/visible-window.js';
import { toRow } from '../../../src/console/rows.js';
import { createConsoleStore } from '../../../src/console/store.js';
import { DEFAULT_POLICY } from '../../../src/domain/thresholds.js';
import { T0, hello, snapshot, view } from './fixtures.js';

/** `H` a group header, any other letter a slave row. */
function linesOf(spec: string): Line[] {
  let index = 0;
  return [...spec].map((c) =>
    c === 'H'
      ? { kind: 'group', key: `g${index}`, count: 1, marked: 0 }
      : { kind: 'slave', row: toRow(view(c), DEFAULT_POLICY, T0), index: index++ },
  );
}

describe('the visible window', () => {
  const lines = linesOf('HabcHdefHg');

  it('keeps the cursor in view, moving as little as possible', () => {
    expect(windowTop(0, 2, 3, lines)).toBe(0);
    expect(windowTop(6, 7, 3, lines)).toBe(6);
    expect(windowTop(0, 9, 3, lines)).toBe(7);
    // Never past the end, never before the start.
    expect(windowTop(9, 9, 3, lines)).toBe(7);
    expect(windowTop(-4, 1, 3, lines)).toBe(0);
  });

  it('never leaves a group header scrolled off above the first row of its group', () => {
    // The window starts on a group's first row: its header comes in while the cursor stays in view.
    expect(windowTop(1, 2, 3, lines)).toBe(0);
    expect(windowTop(5, 6, 4, lines)).toBe(4);
    // Moving up onto a group's first row shows its header.
    expect(windowTop(6, 5, 3, lines)).toBe(4);
    expect(windowTop(2, 6, 3, lines)).toBe(4);
    // Scrolling down past a header: the group's first row leaves with it.
    expect(windowTop(0, 3, 3, lines)).toBe(2);
    expect(windowTop(2, 5, 3, lines)).toBe(3);
    // One line only: it is the cursor's.
    expect(windowTop(0, 2, 1, lines)).toBe(2);
    expect(windowTop(2, 1, 1, lines)).toBe(1);
  });
});

describe('the window after a filter or grouping change (issue 18: rows above the first shown row)', () => {
  // 8 masters of 200 slaves, grouped by master, 40 lines on screen.
  function closure() {
    const slaves = Array.from({ length: 1600 }, (_, i) => {
      const master = `bm0${Math.floor(i / 200) + 1}`;
      return view(`${master}-s${String(i % 200).padStart(3, '0')}`, { ago: 100_000 - i, master });
    });
    const store = createConsoleStore('ws://test', T0);
    const s = () => store.getState();
    s().applyMessages([hello(), snapshot(1, slaves)], T0);
    s().setPageSize(40);
    s().cycleGrouping();
    s().cycleGrouping();
    expect(s().grouping).toBe('master');
    return { store, s };
  }
  const shown = (s: ReturnType<typeof closure>['s']) =>
    s()
      .lines.slice(s().top, s().top + s().pageSize)
      .map((l) => (l.kind === 'group' ? `── ${l.key}` : l.row.name));

  it('/bm05 from mid-list with the cursor on a bm05 slave shows the group from its header', () => {
    const { s } = closure();
    s().moveTo(1200);
    s().moveTo(s().visible.findIndex((r) => r.name === 'bm05-s013'));
    expect(s().top).toBeGreaterThan(100);
    s().setFilterText('bm05');
    expect(s().visible).toHaveLength(200);
    expect(s().cursorName).toBe('bm05-s013');
    expect(s().top).toBe(0);
    expect(shown(s).slice(0, 3)).toEqual(['── bm05', 'bm05-s000', 'bm05-s001']);
  });

  it('a filter that leaves out the cursor slave puts the cursor on the first row, window at the top', () => {
    const { s } = closure();
    s().moveTo(1300);
    s().setFilterText('bm02');
    expect(s().cursor).toBe(0);
    expect(s().top).toBe(0);
    expect(shown(s)[0]).toBe('── bm02');
  });

  it('the cursor far down the new view is shown on the last line, with the window as low as it needs', () => {
    const { s } = closure();
    s().moveTo(s().visible.findIndex((r) => r.name === 'bm03-s150'));
    s().cycleGrouping(); // to none: bm03-s150 is row 550
    expect(s().cursorName).toBe('bm03-s150');
    expect(s().top).toBe(550 - 40 + 1);
    s().setStateFilter('all');
    expect(s().top).toBe(550 - 40 + 1);
  });
});

describe('the window when nothing shown changes', () => {
  it('the same quick filter or filter text again leaves the window and cursor where they are', () => {
    const slaves = Array.from({ length: 100 }, (_, i) =>
      view(`s-${String(i).padStart(3, '0')}`, { ago: 1000 - i }),
    );
    const store = createConsoleStore('ws://test', T0);
    const s = () => store.getState();
    s().applyMessages([hello(), snapshot(1, slaves)], T0);
    s().setPageSize(10);
    s().moveTo(60);
    s().moveTo(55);
    expect(s().top).toBe(51);
    s().setStateFilter('all');
    s().setFilterText('');
    expect(s().top).toBe(51);
    expect(s().cursor).toBe(55);
  });
});
