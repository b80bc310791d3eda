// The console's one key dispatcher: (store, input, key) to store actions, testable without Ink.
import type { ConsoleStore } from './store.js';

/** The parts of Ink's Key the console reads; tests pass only what they press. */
export interface KeyPress {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  backspace?: boolean;
  delete?: boolean;
  meta?: boolean;
  tab?: boolean;
}

export type KeyOutcome = 'quit' | 'handled' | 'ignored';

/** Every key the console knows, for the help overlay (one source, so help never drifts). */
export const KEY_HELP: ReadonlyArray<readonly [string, string]> = [
  ['↑ ↓  j k', 'move the cursor'],
  ['PgUp PgDn  Ctrl-B Ctrl-F', 'move a page'],
  ['g  G  Home End', 'first / last slave'],
  ['Enter', 'open / close the detail pane for the slave under the cursor'],
  ['/', 'filter on name, pool and master: text, or /regex/ (Enter keeps, Esc clears)'],
  ['0  1  2', 'show all / problems only (never, critical, dead, late) / muted only'],
  ['space', 'mark the slave under the cursor and move down'],
  ['a', 'mark every slave the filters show'],
  ['u', 'clear all marks'],
  ['x', 'actions on the marked slaves'],
  ['s', 'cycle the sort: state, next change, age, name, pool, master'],
  ['b', 'cycle grouping: none, by pool, by master'],
  ['Esc', 'close what is open, else clear the filter'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit'],
];

export function handleKey(store: ConsoleStore, input: string, key: KeyPress): KeyOutcome {
  // Keys typed faster than the terminal is read arrive as one string: take them one by one.
  if (input.length > 1 && !key.ctrl && !key.meta && store.getState().mode !== 'filter') {
    let outcome: KeyOutcome = 'ignored';
    for (const ch of input) {
      const one = handleKey(store, ch, {});
      if (one === 'quit') return 'quit';
      if (one === 'handled') outcome = 'handled';
    }
    return outcome;
  }
  const s = store.getState();
  if (key.ctrl && input === 'c') return 'quit';

  if (s.mode === 'help') {
    if (input === 'q') return 'quit';
    // Any key closes help: nobody should be stuck in it.
    s.setMode('table');
    return 'handled';
  }

  if (s.mode === 'filter') {
    if (key.escape) {
      s.setFilterText('');
      s.setMode('table');
    } else if (key.return) {
      s.setMode('table');
    } else if (key.backspace || key.delete) {
      s.setFilterText(s.filterText.slice(0, -1));
    } else if (key.upArrow || key.downArrow) {
      s.moveCursor(key.upArrow ? -1 : 1);
    } else if (input && !key.ctrl && !key.meta) {
      s.setFilterText(s.filterText + input);
    } else {
      return 'ignored';
    }
    return 'handled';
  }

  if (s.mode === 'actions') {
    if (key.escape || input === 'x' || input === 'q') s.setMode('table');
    else return 'ignored';
    return 'handled';
  }

  const page = Math.max(1, s.pageSize - 1);
  if (key.upArrow || input === 'k') s.moveCursor(-1);
  else if (key.downArrow || input === 'j') s.moveCursor(1);
  else if (key.pageUp || (key.ctrl && input === 'b')) s.moveCursor(-page);
  else if (key.pageDown || (key.ctrl && input === 'f')) s.moveCursor(page);
  else if (key.home || input === 'g') s.moveTo(0);
  else if (key.end || input === 'G') s.moveTo(s.visible.length - 1);
  else if (key.return) s.setDetailOpen(!s.detailOpen);
  else if (input === '/') s.setMode('filter');
  else if (key.escape) {
    if (s.detailOpen) s.setDetailOpen(false);
    else if (s.filterText !== '') s.setFilterText('');
    else if (s.stateFilter !== 'all') s.setStateFilter('all');
    else return 'ignored';
  } else if (input === '0') s.setStateFilter('all');
  else if (input === '1') s.setStateFilter('problems');
  else if (input === '2') s.setStateFilter('muted');
  else if (input === ' ') s.toggleMark();
  else if (input === 'a') s.markVisible();
  else if (input === 'u') s.clearMarks();
  else if (input === 'x') s.setMode('actions');
  else if (input === 's') s.cycleSort();
  else if (input === 'b') s.cycleGrouping();
  else if (input === '?') s.setMode('help');
  else if (input === 'q') return 'quit';
  else return 'ignored';
  return 'handled';
}
