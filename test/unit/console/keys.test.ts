import { describe, expect, it } from 'vitest';
import { createKeyInput, handleKey } from '../../../src/console/keys.js';
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

  it('says why C does nothing when there is no cause, and changes nothing', () => {
    const store = fedStore();
    expect(store.getState().causes).toEqual([]);
    handleKey(store, 'C', {});
    expect(store.getState().notice).toMatch(/^no cause line now/);
    expect(store.getState().causeFilter).toBeNull();
    expect(store.getState().visible).toHaveLength(store.getState().slaves.size);
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

  it('takes every key of a chunk typed faster than it is read, in order', () => {
    const store = fedStore();
    const take = createKeyInput(store);
    take('jj ');
    expect([...store.getState().marks]).toEqual(['muted-dead']);
    expect(store.getState().cursor).toBe(3);
  });

  it('in a form, keeps a Tab or Enter read together with typed text', () => {
    const store = fedStore();
    store.getState().applyMessages([{ ...hello(), you: { name: 'jdoe', role: 'operator' } }], T0);
    handleKey(store, 'd', {});
    expect(store.getState().mode).toBe('form');
    // Tab, the comment and Enter arrive as one read: the splitter takes them apart.
    createKeyInput(store)('\track 4\r');
    expect(store.getState().mode).toBe('confirm');
    expect(store.getState().confirm?.request.params?.comment).toBe('rack 4');
  });

  it('ends the filter on an Enter typed in the same chunk, and runs the keys after it', () => {
    const store = fedStore();
    const s = () => store.getState();
    const take = createKeyInput(store);
    // What `send-keys /`, `send-keys -l dead` and `send-keys Enter a` give in one read.
    take('/dead\ra');
    expect(s().filterText).toBe('dead');
    expect(s().mode).toBe('table');
    expect([...s().marks].sort()).toEqual(['dead-old', 'dead-young', 'muted-dead']);
    // LF and CRLF are one Enter each, never a character of the filter.
    take('u/young\r\n');
    expect(s().filterText).toBe('deadyoung');
    expect(s().mode).toBe('table');
    take('/\x7f\x7f\x7f\x7f\x7f\n');
    expect(s().filterText).toBe('dead');
  });

  it('takes Esc and arrows typed together with other keys one by one', () => {
    const store = fedStore();
    const s = () => store.getState();
    const take = createKeyInput(store);
    take('/dead\x1bj');
    expect(s().filterText).toBe('');
    expect(s().mode).toBe('table');
    expect(s().cursor).toBe(1);
    take('\x1b[B\x1b[Bk\x1bOB');
    expect(s().cursor).toBe(3);
    // No Alt keys: ESC and a letter read in one go is Esc, then the letter.
    take('\x1bk');
    expect(s().cursor).toBe(2);
  });

  it('keeps every control out of the filter and the form, and a paste out of the table', () => {
    const store = fedStore();
    const s = () => store.getState();
    const take = createKeyInput(store);
    take('/\x1b[200~de\x1b[31mad\x1b]0;title\x07\r\n\x1b[201~');
    expect(s().filterText).toBe('dead');
    // A paste is text: its newline did not end the filter.
    expect(s().mode).toBe('filter');
    take('\x00\x1c\u009b\u202e\r');
    expect(s().filterText).toBe('dead');
    expect(s().mode).toBe('table');
    // In the table a paste is no command: `a` and `d` in it neither mark nor open a form.
    take('\x1b[200~ad\x1b[201~');
    expect(s().marks.size).toBe(0);
    expect(s().mode).toBe('table');
    take('d\x1b[200~rack\r\n4\x1b[2J\x1b[201~');
    expect(s().form?.values.length).toBe('rack 4');
  });

  it('runs a whole downtime typed in one chunk: filter, mark, form, confirmation', () => {
    const store = fedStore();
    const sent: unknown[] = [];
    store.getState().setSender((m) => sent.push(m) > 0);
    const take = createKeyInput(store);
    take('/dead\rad30d\rrack move\r\r');
    expect(store.getState().mode).toBe('table');
    expect(sent).toEqual([
      expect.objectContaining({
        kind: 'downtime',
        targets: ['muted-dead', 'dead-old', 'dead-young'],
        params: { comment: 'rack move', duration: '30d' },
      }),
    ]);
  });

  it('drops the keys after a quit, and Ctrl-C quits from any mode', () => {
    const store = fedStore();
    expect(createKeyInput(store)('q/')).toBe('quit');
    expect(store.getState().mode).toBe('table');
    expect(createKeyInput(store)('/de\x03x')).toBe('quit');
    expect(store.getState().filterText).toBe('de');
  });

  it('asks for a redraw on Ctrl-L in every mode, after the other keys of its chunk, and changes nothing', () => {
    const store = fedStore();
    const s = () => store.getState();
    const take = createKeyInput(store);
    expect(take('\x0c')).toBe('redraw');
    expect(take('j\x0cj')).toBe('redraw');
    expect(s().cursor).toBe(2);
    // In the filter prompt Ctrl-L is no letter of the filter; in help it does not close help.
    expect(take('/de\x0c')).toBe('redraw');
    expect(s().filterText).toBe('de');
    expect(s().mode).toBe('filter');
    take('\r?');
    expect(s().mode).toBe('help');
    expect(take('\x0c')).toBe('redraw');
    expect(s().mode).toBe('help');
    take('xd');
    expect(s().mode).toBe('form');
    expect(take('\x0c')).toBe('redraw');
    expect(s().mode).toBe('form');
    expect(s().form?.values.length).toBe('2h');
    // Nothing to do is still no redraw.
    expect(take('\x1b[<0;1;1M')).toBe('ignored');
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
