// The console's one key dispatcher: (store, input, key) to store actions, testable without Ink.
import {
  TEXT_FIELDS,
  cycleChoice,
  deleteChar,
  focusedField,
  moveFocus,
  setChoice,
  typeText,
  type KeyedKind,
} from './action-form.js';
import { actRefusal, type ConsoleState, type ConsoleStore } from './store.js';

/** The parts of Ink's Key the console reads; tests pass only what they press. */
export interface KeyPress {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
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

export type KeyOutcome = 'quit' | 'redraw' | 'handled' | 'ignored';

/** Every key the console knows, for the help overlay (one source, so help never drifts). */
export const KEY_HELP: ReadonlyArray<readonly [string, string]> = [
  ['↑ ↓  j k', 'move the cursor'],
  ['PgUp PgDn  Ctrl-B Ctrl-F', 'move a page'],
  ['g  G  Home End', 'first / last slave'],
  ['Enter', 'open / close the detail pane for the slave under the cursor'],
  ['/', 'filter on name, pool and master: text, or /regex/ (Enter keeps, Esc clears)'],
  [
    '0  1  2',
    'show all / problems only (never, critical, dead, late, needs-hands, rebooting) / muted only',
  ],
  ['space', 'mark the slave under the cursor and move down'],
  ['a', 'mark every slave the filters show'],
  ['u', 'clear all marks'],
  ['x', 'the action menu (on the marked slaves, else the one under the cursor)'],
  ['d  D', 'schedule a downtime / cancel the downtimes'],
  ['c', 'recheck: re-submit the current state, or force a check'],
  ['A  U', 'acknowledge the problem / remove the acknowledgement'],
  ['r  R', 'reboot (the configured methods, until the next start) / cancel the reboots'],
  ['L', 'the action log: recent actions of every operator'],
  ['s', 'cycle the sort: state, next change, age, name, pool, master'],
  ['b', 'cycle grouping: none, by pool, by master'],
  ['Esc', 'close what is open, else clear the filter, else the status line'],
  ['Ctrl-L', 'draw the whole screen again'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit'],
];

export function handleKey(store: ConsoleStore, input: string, key: KeyPress): KeyOutcome {
  // Keys typed faster than the terminal is read arrive as one string: take them one by one.
  const typing = store.getState().mode === 'filter' || store.getState().mode === 'form';
  if (input.length > 1 && !key.ctrl && !key.meta && !typing) {
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
  // Ctrl-L, as in less and vim: the screen is drawn whole again (after a stray write garbled it).
  if (key.ctrl && input === 'l') return 'redraw';

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

  if (s.mode === 'form') return formKey(s, input, key);
  if (s.mode === 'confirm') return confirmKey(s, input, key);

  if (s.mode === 'actions') {
    if (key.escape || input === 'x' || input === 'q') s.setMode('table');
    else if (ACTION_KEYS[input]) s.openAction(ACTION_KEYS[input]);
    else return 'ignored';
    return 'handled';
  }

  if (s.mode === 'log') {
    if (key.escape || input === 'L') s.setMode('table');
    else if (input === 'q') return 'quit';
    else if (key.upArrow || input === 'k') s.moveLogCursor(-1);
    else if (key.downArrow || input === 'j') s.moveLogCursor(1);
    else if (input === 'g' || key.home) s.moveLogCursor(-Infinity);
    else if (input === 'G' || key.end) s.moveLogCursor(Infinity);
    else return 'ignored';
    return 'handled';
  }

  // A notice is read by the time the next key comes: it goes (that key still does its job).
  if (s.notice !== null && !key.escape) s.setNotice(null);
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
    else if (s.notice !== null || s.own !== null) s.clearStatus();
    else return 'ignored';
  } else if (input === '0') s.setStateFilter('all');
  else if (input === '1') s.setStateFilter('problems');
  else if (input === '2') s.setStateFilter('muted');
  else if (input === ' ') s.toggleMark();
  else if (input === 'a') s.markVisible();
  else if (input === 'u') s.clearMarks();
  else if (input === 'x') {
    const refusal = actRefusal(s);
    if (refusal) s.setNotice(refusal);
    else s.setMode('actions');
  } else if (ACTION_KEYS[input]) s.openAction(ACTION_KEYS[input]);
  else if (input === 'L') s.setMode('log');
  else if (input === 's') s.cycleSort();
  else if (input === 'b') s.cycleGrouping();
  else if (input === '?') s.setMode('help');
  else if (input === 'q') return 'quit';
  else return 'ignored';
  return 'handled';
}

/** The direct keys, in the table and in the `x` menu. */
const ACTION_KEYS: Record<string, KeyedKind | undefined> = {
  d: 'downtime',
  D: 'cancel-downtime',
  c: 'recheck',
  A: 'ack',
  U: 'remove-ack',
  r: 'reboot',
  R: 'cancel-reboot',
};

/** The form: Tab/↑/↓ between fields, typing edits, ←/→/space choose, Enter goes on, Esc gives up. */
function formKey(s: ConsoleState, input: string, key: KeyPress): KeyOutcome {
  const form = s.form;
  if (!form) {
    s.cancelAction();
    return 'handled';
  }
  const field = focusedField(form);
  const text = TEXT_FIELDS.has(field);
  if (key.escape) s.cancelAction();
  else if (key.return) s.submitForm();
  else if (key.tab) s.setForm(moveFocus(form, key.shift ? -1 : 1));
  else if (key.downArrow) s.setForm(moveFocus(form, 1));
  else if (key.upArrow) s.setForm(moveFocus(form, -1));
  else if (key.leftArrow || key.rightArrow) s.setForm(cycleChoice(form, key.leftArrow ? -1 : 1));
  else if (key.backspace || key.delete) s.setForm(deleteChar(form));
  else if (key.ctrl && input === 'u' && text) {
    // Ctrl-U empties the field, as in a shell.
    let cleared = form;
    while (cleared.values[field as 'length' | 'comment'] !== '') cleared = deleteChar(cleared);
    s.setForm(cleared);
  } else if (key.ctrl || key.meta || !input) return 'ignored';
  else if (text) s.setForm(typeText(form, input));
  else if (field === 'force' && (input === 'r' || input === 'f')) {
    // `c` then `r` or `f`: the choice is the whole form.
    s.setForm(setChoice(form, 'force', input === 'f'));
    s.submitForm();
  } else if (input === ' ') s.setForm(cycleChoice(form, 1));
  else return 'ignored';
  return 'handled';
}

/**
 * The confirmation: Enter/y sends, Esc/n gives up, v shows the exact Nagios lines or commands
 * (j/k scroll), m includes muted slaves in a reboot.
 */
function confirmKey(s: ConsoleState, input: string, key: KeyPress): KeyOutcome {
  if (key.return || input === 'y') s.confirmAction();
  else if (key.escape || input === 'n') s.cancelAction();
  else if (input === 'v') s.toggleDryRun();
  else if (input === 'm' && s.confirm?.request.kind === 'reboot') s.toggleIncludeMuted();
  else if (key.downArrow || input === 'j') s.scrollConfirm(1);
  else if (key.upArrow || input === 'k') s.scrollConfirm(-1);
  else if (key.pageDown) s.scrollConfirm(10);
  else if (key.pageUp) s.scrollConfirm(-10);
  else return 'ignored';
  return 'handled';
}
