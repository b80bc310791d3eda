import { describe, expect, it } from 'vitest';
import { handleKey } from '../../../src/console/keys.js';
import { createConsoleStore, type ConsoleStore } from '../../../src/console/store.js';
import { T0, farm, hello, snapshot } from './fixtures.js';

function fedStore(): ConsoleStore {
  const store = createConsoleStore('ws://test', T0);
  store.getState().applyMessages([hello(), snapshot(1, farm())], T0);
  store.getState().setPageSize(4);
  return store;
}

describe('console keys', () => {
  it('moves with arrows, j/k, pages, g and G', () => {
    const store = fedStore();
    const cursor = () => store.getState().cursor;
    handleKey(store, 'j', {});
    handleKey(store, '', { downArrow: true });
    expect(cursor()).toBe(2);
    handleKey(store, 'k', {});
    handleKey(store, '', { upArrow: true });
    handleKey(store, '', { upArrow: true });
    expect(cursor()).toBe(0);
    handleKey(store, '', { pageDown: true });
    expect(cursor()).toBe(3);
    handleKey(store, 'G', { shift: true });
    expect(cursor()).toBe(8);
    handleKey(store, '', { pageUp: true });
    expect(cursor()).toBe(5);
    handleKey(store, 'g', {});
    expect(cursor()).toBe(0);
    handleKey(store, '', { end: true });
    expect(cursor()).toBe(8);
  });

  it('edits the filter incrementally, Backspace (as Ink reports it) deletes, Enter keeps, Esc clears', () => {
    const store = fedStore();
    const s = () => store.getState();
    handleKey(store, '/', {});
    expect(s().mode).toBe('filter');
    for (const ch of 'deadx') handleKey(store, ch, {});
    expect(s().visible).toHaveLength(0);
    handleKey(store, '', { delete: true });
    expect(s().filterText).toBe('dead');
    expect(s().visible).toHaveLength(3);
    // j and k are text while filtering, not moves.
    const cursor = s().cursor;
    handleKey(store, 'j', {});
    handleKey(store, 'k', {});
    expect(s().filterText).toBe('deadjk');
    expect(s().cursor).toBe(cursor);
    handleKey(store, '', { backspace: true });
    handleKey(store, '', { backspace: true });
    expect(s().filterText).toBe('dead');
    handleKey(store, '', { return: true });
    expect(s().mode).toBe('table');
    expect(s().filterText).toBe('dead');
    handleKey(store, '/', {});
    handleKey(store, '', { escape: true, meta: true });
    expect(s().filterText).toBe('');
    expect(s().mode).toBe('table');
  });

  it('clears the filter with Esc in the table, closing the detail pane first', () => {
    const store = fedStore();
    const s = () => store.getState();
    s().setFilterText('dead');
    handleKey(store, '', { return: true });
    expect(s().detailOpen).toBe(true);
    handleKey(store, '', { escape: true });
    expect(s().detailOpen).toBe(false);
    expect(s().filterText).toBe('dead');
    handleKey(store, '', { escape: true });
    expect(s().filterText).toBe('');
    expect(handleKey(store, '', { escape: true })).toBe('ignored');
  });

  it('switches the quick state filters on digits', () => {
    const store = fedStore();
    handleKey(store, '1', {});
    expect(store.getState().stateFilter).toBe('unhandled');
    handleKey(store, '1', {});
    expect(store.getState().stateFilter).toBe('problems');
    handleKey(store, '1', {});
    expect(store.getState().stateFilter).toBe('unhandled');
    handleKey(store, '2', {});
    expect(store.getState().stateFilter).toBe('muted');
    handleKey(store, '3', {});
    expect(store.getState().stateFilter).toBe('muted-healthy');
    handleKey(store, '0', {});
    expect(store.getState().stateFilter).toBe('all');
  });

  it('marks with space (moving down), a and u', () => {
    const store = fedStore();
    const s = () => store.getState();
    handleKey(store, ' ', {});
    handleKey(store, ' ', {});
    expect([...s().marks]).toEqual(['never-1', 'crit-1']);
    expect(s().cursor).toBe(2);
    handleKey(store, '1', {});
    handleKey(store, 'a', {});
    // The unhandled problems: never, critical, 2 dead, late (not the muted dead, not the rebooting).
    expect(s().marks.size).toBe(5);
    handleKey(store, 'u', {});
    expect(s().marks.size).toBe(0);
  });

  it('takes keys typed faster than they are read one by one', () => {
    const store = fedStore();
    handleKey(store, 'jj ', {});
    expect([...store.getState().marks]).toEqual(['muted-dead']);
    expect(store.getState().cursor).toBe(3);
  });

  it('in a form, keeps a Tab or Enter read together with typed text', () => {
    const store = fedStore();
    store.getState().applyMessages([{ ...hello(), you: { name: 'jdoe', role: 'operator' } }], T0);
    handleKey(store, 'd', {});
    expect(store.getState().mode).toBe('form');
    // Tab, the comment and Enter arrive as one read.
    handleKey(store, '\track 4\r', {});
    expect(store.getState().mode).toBe('confirm');
    expect(store.getState().confirm?.request.params?.comment).toBe('rack 4');
  });

  it('cycles sort and grouping, opens help and the action menu, and quits', () => {
    const store = fedStore();
    const s = () => store.getState();
    handleKey(store, 's', {});
    expect(s().sort).toBe('next');
    handleKey(store, 'b', {});
    expect(s().grouping).toBe('pool');
    handleKey(store, '?', {});
    expect(s().mode).toBe('help');
    // Any key closes help and does nothing else.
    const before = s().cursor;
    handleKey(store, 'j', {});
    expect(s().mode).toBe('table');
    expect(s().cursor).toBe(before);
    handleKey(store, 'x', {});
    expect(s().mode).toBe('actions');
    handleKey(store, '', { escape: true, meta: true });
    expect(s().mode).toBe('table');
    expect(handleKey(store, 'q', {})).toBe('quit');
    expect(handleKey(store, 'c', { ctrl: true })).toBe('quit');
    handleKey(store, '/', {});
    expect(handleKey(store, 'q', {})).toBe('handled');
    expect(s().filterText).toBe('q');
    expect(handleKey(store, 'c', { ctrl: true })).toBe('quit');
  });
});
