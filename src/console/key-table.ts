// Every key of the console, once: in which mode it works, what it does (for the help overlay, the
// footer and docs/console.md) and the store actions it runs. keys.ts dispatches from this table.
import {
  TEXT_FIELDS,
  clearField,
  cycleChoice,
  deleteChar,
  fieldNeedingInput,
  focusedField,
  moveFocus,
  setChoice,
  typeText,
  type KeyedKind,
} from './action-form.js';
import { fieldText, type KeyPress } from './key-splitter.js';
import { actRefusal, type ConsoleState, type Mode } from './store.js';
import { nextProblemFilter, type QuickFilter } from './triage.js';

/** `redraw`: the screen is drawn whole again (run by App, which owns the screen). */
export type KeyOutcome = 'quit' | 'redraw' | 'handled' | 'ignored';

/** The keys that have names; each is one field of KeyPress. */
export type NamedKey =
  | 'upArrow'
  | 'downArrow'
  | 'leftArrow'
  | 'rightArrow'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'return'
  | 'escape'
  | 'tab'
  | 'backspace';

/** What a row answers to: a character, a named key, Ctrl and a letter, typed text, or any key. */
export type Binding =
  { char: string } | { named: NamedKey } | { ctrl: string } | { text: true } | { any: true };

export interface KeyRow {
  /** Where the key works; `any` before every mode's own rows. */
  mode: Mode | 'any';
  keys: readonly Binding[];
  /** What it does, as help and docs/console.md say it. */
  does: string;
  /** Its word in the key line under the screen, after the name of its first key (or first two). */
  footer?: string;
  footerKeys?: 1 | 2;
  /** Runs the key; `ignored` when it does nothing here after all (a choice on a text field). */
  run: (s: ConsoleState, input: string, key: KeyPress) => KeyOutcome | void;
}

const ch = (...chars: string[]): Binding[] => chars.map((c) => ({ char: c }));
const named = (...names: NamedKey[]): Binding[] => names.map((n) => ({ named: n }));
const quit = (): KeyOutcome => 'quit';
const openHelp = (s: ConsoleState): void => s.setMode('help');

/** The action keys, in the table and in the `x` menu (which lists them with these words). */
export const ACTIONS: ReadonlyArray<{ key: string; kind: KeyedKind; does: string }> = [
  { key: 'd', kind: 'downtime', does: 'schedule a downtime' },
  { key: 'D', kind: 'cancel-downtime', does: 'cancel the downtimes' },
  { key: 'c', kind: 'recheck', does: 'recheck: re-submit the current state, or force a check' },
  { key: 'A', kind: 'ack', does: 'acknowledge the problem' },
  { key: 'U', kind: 'remove-ack', does: 'remove the acknowledgement' },
  { key: 'r', kind: 'reboot', does: 'reboot (the configured methods, until the next start)' },
  { key: 'R', kind: 'cancel-reboot', does: 'cancel the reboots' },
  { key: 'e', kind: 'extend-downtime', does: 'move the end of the downtimes (extend or shorten)' },
  {
    key: 'p',
    kind: 'park',
    does: 'park: idle on purpose, kept muted until unparked (reason, owner, review)',
  },
  { key: 'P', kind: 'unpark', does: 'unpark' },
];

const ACTION_KEYS: ReadonlyMap<string, KeyedKind> = new Map(ACTIONS.map((a) => [a.key, a.kind]));

/** What a pair of action keys does, in help: `schedule a downtime / cancel the downtimes`. */
const actionWords = (...keys: string[]): string =>
  keys.map((k) => ACTIONS.find((a) => a.key === k)!.does).join(' / ');

/** An action key: its form, or its confirmation, on the marks or the cursor row. */
const openByKey = (s: ConsoleState, input: string): void => s.openAction(ACTION_KEYS.get(input)!);

/** The digit keys' quick filters; `1` again shows every problem, handled ones too. */
function quickFilterOf(s: ConsoleState, input: string): QuickFilter {
  if (input === '1') return nextProblemFilter(s.stateFilter);
  if (input === '2') return 'muted';
  if (input === '3') return 'muted-healthy';
  if (input === '4') return 'parked';
  return 'all';
}

/** Esc in the table: the innermost thing open or set goes first. */
function escapeInTable(s: ConsoleState): KeyOutcome | void {
  if (s.detailOpen) s.setDetailOpen(false);
  else if (s.causeFilter !== null) s.clearCauseFilter();
  else if (s.filterText !== '') s.setFilterText('');
  else if (s.stateFilter !== 'all') s.setStateFilter('all');
  else if (s.notice !== null || s.own !== null) s.clearStatus();
  else return 'ignored';
}

/** `D` in the action log: cancel the downtimes on the selected downtime's slaves. */
function cancelLoggedDowntime(s: ConsoleState): KeyOutcome | void {
  const action = s.log[s.logCursor];
  if (action?.kind !== 'downtime') {
    s.setNotice('D here cancels a downtime: select one (j/k) first');
    return;
  }
  const slaves = action.targets.map((t) => t.slave);
  s.openAction('cancel-downtime', slaves);
}

/** `u` in the action log: the confirmation to undo the selected action. */
function undoLogged(s: ConsoleState): void {
  const action = s.log[s.logCursor];
  if (action === undefined) s.setNotice('no action to undo: select one (j/k) first');
  else s.openUndo(action);
}

/** Enter in the hygiene view: the table on the item's slave, its detail open. */
function showHygieneSlave(s: ConsoleState): void {
  const item = s.hygiene[s.hygieneCursor];
  if (item === undefined) return;
  if (!s.showSlave(item.slave)) {
    s.setNotice(`${item.slave} is not among the slaves this collector has`);
    return;
  }
  s.setMode('table');
  s.setDetailOpen(true);
}

type Form = NonNullable<ConsoleState['form']>;

/** A form key: with no form (it closed under the key) the form mode ends. */
const withForm =
  (edit: (s: ConsoleState, form: Form, input: string, key: KeyPress) => KeyOutcome | void) =>
  (s: ConsoleState, input: string, key: KeyPress): KeyOutcome | void => {
    if (!s.form) return s.cancelAction();
    return edit(s, s.form, input, key);
  };

/** Enter in the form: on to the field that still needs something, else to the confirmation. */
function goOn(s: ConsoleState, form: Form): void {
  const next = fieldNeedingInput(form, s.now);
  // On the field that needs it (or all is well), submitting shows the problem in red or confirms.
  if (next === null || next === form.focus) s.submitForm();
  else s.setForm({ ...form, focus: next });
}

export const KEY_TABLE: readonly KeyRow[] = [
  { mode: 'any', keys: [{ ctrl: 'c' }], does: 'quit', run: quit },
  // As in less and vim, in every mode (help's any-key row comes after it).
  {
    mode: 'any',
    keys: [{ ctrl: 'l' }],
    does: 'draw the whole screen again (after something else wrote over it)',
    run: () => 'redraw',
  },

  // The table.
  {
    mode: 'table',
    keys: [...named('upArrow', 'downArrow'), ...ch('j', 'k')],
    does: 'move the cursor',
    run: (s, input, key) => s.moveCursor(key.upArrow || input === 'k' ? -1 : 1),
  },
  {
    mode: 'table',
    keys: [...named('pageUp', 'pageDown'), { ctrl: 'b' }, { ctrl: 'f' }],
    does: 'move a page',
    run: (s, input, key) => {
      const page = Math.max(1, s.pageSize - 1);
      s.moveCursor(key.pageUp || input === 'b' ? -page : page);
    },
  },
  {
    mode: 'table',
    keys: [...ch('g', 'G'), ...named('home', 'end')],
    does: 'first / last slave',
    run: (s, input, key) => s.moveTo(key.home || input === 'g' ? 0 : s.visible.length - 1),
  },
  {
    mode: 'table',
    keys: named('return'),
    does: 'open / close the detail pane for the slave under the cursor',
    footer: 'detail',
    run: (s) => s.setDetailOpen(!s.detailOpen),
  },
  {
    mode: 'table',
    keys: ch('/'),
    does: 'filter on name, pool and master: text, or /regex/ (Enter keeps it, Esc clears it)',
    footer: 'filter',
    run: (s) => s.setMode('filter'),
  },
  {
    mode: 'table',
    keys: ch('0', '1', '2', '3', '4'),
    does: 'show all / unhandled problems (1 again: all problems, muted, rebooting and parked too) / muted / muted while ok / parked',
    run: (s, input) => s.setStateFilter(quickFilterOf(s, input)),
  },
  {
    mode: 'table',
    keys: ch('C'),
    does: 'only the slaves of the cause line (C again: the next cause, then all)',
    run: (s) => {
      if (s.causes.length === 0 && s.causeFilter === null) {
        s.setNotice('no cause line now: C shows the slaves of one when many turned bad together');
      } else s.nextCause();
    },
  },
  {
    mode: 'table',
    keys: ch(' '),
    does: 'mark the slave under the cursor and move down',
    footer: 'mark',
    run: (s) => s.toggleMark(),
  },
  {
    mode: 'table',
    keys: ch('a'),
    does: 'mark every slave the filters show',
    footer: 'mark all',
    run: (s) => s.markVisible(),
  },
  { mode: 'table', keys: ch('u'), does: 'clear all marks', run: (s) => s.clearMarks() },
  {
    mode: 'table',
    keys: ch('x'),
    does: 'the action menu (on the marked slaves, else the one under the cursor)',
    footer: 'act',
    run: (s) => {
      const refusal = actRefusal(s);
      if (refusal) s.setNotice(refusal);
      else s.setMode('actions');
    },
  },
  {
    mode: 'table',
    keys: ch('d', 'D', 'e'),
    does: actionWords('d', 'D', 'e'),
    footer: 'downtime',
    run: openByKey,
  },
  {
    mode: 'table',
    keys: ch('c'),
    does: actionWords('c'),
    footer: 'recheck',
    run: openByKey,
  },
  {
    mode: 'table',
    keys: ch('A', 'U'),
    does: actionWords('A', 'U'),
    footer: 'ack',
    run: openByKey,
  },
  {
    mode: 'table',
    keys: ch('r', 'R'),
    does: actionWords('r', 'R'),
    footer: 'reboot',
    run: openByKey,
  },
  {
    mode: 'table',
    keys: ch('p', 'P'),
    does: actionWords('p', 'P'),
    run: openByKey,
  },
  {
    mode: 'table',
    keys: ch('L'),
    does: 'the action log: recent actions of every operator, the newest selected',
    footer: 'log',
    run: (s) => s.openLog(),
  },
  {
    mode: 'table',
    keys: ch('H'),
    does: 'hygiene: what needs a decision (mutes ending on bad slaves, muted while ok, reviews due, downtimes corral did not make)',
    run: (s) => s.openHygiene(),
  },
  {
    mode: 'table',
    keys: ch('s'),
    does: 'cycle the sort: state, next change, age, name, pool, master',
    footer: 'sort',
    run: (s) => s.cycleSort(),
  },
  {
    mode: 'table',
    keys: ch('b'),
    does: 'cycle grouping: none, by pool, by master (the worst group first, a count per state in each)',
    run: (s) => s.cycleGrouping(),
  },
  {
    mode: 'table',
    keys: named('escape'),
    does: 'close the detail pane, else clear the cause filter (C), else the filter, else the quick filter, else the status line',
    run: escapeInTable,
  },
  {
    mode: 'table',
    keys: ch('?'),
    does: 'this help (any key closes it)',
    footer: 'help',
    run: openHelp,
  },
  { mode: 'table', keys: ch('q'), does: 'quit', footer: 'quit', run: quit },

  // The filter prompt.
  {
    mode: 'filter',
    keys: named('return'),
    does: 'keep the filter',
    footer: 'keep',
    run: (s) => s.setMode('table'),
  },
  {
    mode: 'filter',
    keys: named('escape'),
    does: 'clear the filter',
    footer: 'clear',
    run: (s) => {
      s.setFilterText('');
      s.setMode('table');
    },
  },
  {
    mode: 'filter',
    keys: named('backspace'),
    does: 'delete the last character',
    run: (s) => s.setFilterText(s.filterText.slice(0, -1)),
  },
  {
    mode: 'filter',
    keys: [{ ctrl: 'u' }],
    does: 'empty the filter',
    run: (s) => s.setFilterText(''),
  },
  {
    mode: 'filter',
    keys: named('upArrow', 'downArrow'),
    does: 'move the cursor',
    run: (s, _input, key) => s.moveCursor(key.upArrow ? -1 : 1),
  },
  {
    mode: 'filter',
    keys: [{ text: true }],
    does: 'text matches name, pool and master (any case); /regex/ a regular expression',
    footer: 'type to filter',
    run: (s, input) => s.setFilterText(s.filterText + fieldText(input)),
  },

  // The action menu (x).
  {
    mode: 'actions',
    keys: [...named('escape'), ...ch('x', 'q')],
    does: 'close the menu',
    footer: 'close',
    run: (s) => s.setMode('table'),
  },
  {
    mode: 'actions',
    keys: ch(...ACTIONS.map((a) => a.key)),
    does: 'the action of that key',
    run: openByKey,
  },

  // The action form.
  {
    mode: 'form',
    keys: named('escape'),
    does: 'give up: nothing is sent',
    footer: 'cancel',
    run: (s) => s.cancelAction(),
  },
  {
    mode: 'form',
    keys: named('return'),
    does: 'go on: to the next field that needs something, else to the confirmation',
    footer: 'go on',
    run: withForm(goOn),
  },
  {
    mode: 'form',
    keys: named('tab', 'downArrow', 'upArrow'),
    does: 'the next / previous field (Shift-Tab and ↑ go back)',
    footer: 'field',
    run: withForm((s, form, _input, key) =>
      s.setForm(moveFocus(form, key.upArrow || (key.tab && key.shift) ? -1 : 1)),
    ),
  },
  {
    mode: 'form',
    keys: named('leftArrow', 'rightArrow'),
    does: 'choose: the quick lengths, reviews and moves (the hint says which), fixed or flexible, yes or no',
    footer: 'choose',
    footerKeys: 2,
    run: withForm((s, form, _input, key) => s.setForm(cycleChoice(form, key.leftArrow ? -1 : 1))),
  },
  {
    mode: 'form',
    keys: named('backspace'),
    does: 'delete the last character (of a default too)',
    run: withForm((s, form) => s.setForm(deleteChar(form))),
  },
  {
    mode: 'form',
    keys: [{ ctrl: 'u' }],
    does: 'empty the field',
    run: withForm((s, form) => s.setForm(clearField(form))),
  },
  {
    mode: 'form',
    keys: ch('r', 'f'),
    does: 'in the recheck form: re-submit the state (r) or force a check (f), and go on',
    run: withForm((s, form, input) => {
      if (focusedField(form) !== 'force') return 'ignored';
      s.setForm(setChoice(form, 'force', input === 'f'));
      s.submitForm();
    }),
  },
  {
    mode: 'form',
    keys: ch(' '),
    does: 'on a choice: the other one',
    run: withForm((s, form) => {
      if (TEXT_FIELDS.has(focusedField(form))) return 'ignored';
      s.setForm(cycleChoice(form, 1));
    }),
  },
  {
    mode: 'form',
    keys: [{ text: true }],
    does: 'type into the field: the first key replaces a default',
    run: withForm((s, form, input) => {
      if (!TEXT_FIELDS.has(focusedField(form))) return 'ignored';
      s.setForm(typeText(form, input));
    }),
  },

  // The confirmation.
  {
    mode: 'confirm',
    keys: [...named('return'), ...ch('y')],
    does: 'send it',
    footer: 'send',
    run: (s) => s.confirmAction(),
  },
  {
    mode: 'confirm',
    keys: [...named('escape'), ...ch('n')],
    does: 'give up: nothing is sent',
    footer: 'cancel',
    run: (s) => s.cancelAction(),
  },
  {
    mode: 'confirm',
    keys: ch('v'),
    does: 'show the exact Nagios command lines or reboot commands (a dry run)',
    footer: 'exact lines',
    run: (s) => s.toggleDryRun(),
  },
  {
    mode: 'confirm',
    keys: ch('m'),
    does: 'in a reboot: take the slaves muted in Nagios in too, or not',
    run: (s) => {
      if (s.confirm?.request.kind !== 'reboot') return 'ignored';
      s.toggleIncludeMuted();
    },
  },
  {
    mode: 'confirm',
    keys: ch('u'),
    does: 'in a reboot: a downtime on each until it is back (its next start), or none',
    run: (s) => {
      if (s.confirm?.request.kind !== 'reboot') return 'ignored';
      s.toggleDowntimeUntilBack();
    },
  },
  {
    mode: 'confirm',
    keys: ch('s'),
    does: 'in a downtime or an ack: skip the targets already muted, or not',
    run: (s) => {
      const kind = s.confirm?.request.kind;
      if (kind !== 'downtime' && kind !== 'ack') return 'ignored';
      s.toggleSkipMuted();
    },
  },
  {
    mode: 'confirm',
    keys: ch('o'),
    does: "in a cancel of downtimes: only yours, or everyone's",
    run: (s) => {
      if (s.confirm?.request.kind !== 'cancel-downtime') return 'ignored';
      s.toggleOnlyMine();
    },
  },
  {
    mode: 'confirm',
    keys: [...named('upArrow', 'downArrow', 'pageUp', 'pageDown'), ...ch('k', 'j')],
    does: 'scroll the exact lines',
    run: (s, input, key) =>
      s.scrollConfirm(key.pageUp ? -10 : key.pageDown ? 10 : key.upArrow || input === 'k' ? -1 : 1),
  },

  // The action log.
  {
    mode: 'log',
    keys: [...named('escape'), ...ch('L')],
    does: 'close the log',
    footer: 'close',
    run: (s) => s.setMode('table'),
  },
  {
    mode: 'log',
    keys: [...named('upArrow', 'downArrow'), ...ch('k', 'j')],
    does: 'select a newer / older action',
    footer: 'select',
    footerKeys: 2,
    run: (s, input, key) => s.moveLogCursor(key.upArrow || input === 'k' ? -1 : 1),
  },
  {
    mode: 'log',
    keys: [...ch('g', 'G'), ...named('home', 'end')],
    does: 'the newest / oldest action',
    run: (s, input, key) => s.moveLogCursor(key.home || input === 'g' ? -Infinity : Infinity),
  },
  {
    mode: 'log',
    keys: [...named('pageUp', 'pageDown'), { ctrl: 'b' }, { ctrl: 'f' }],
    does: "scroll the selected action's targets",
    run: (s, input, key) => s.scrollLog(key.pageUp || input === 'b' ? -10 : 10),
  },
  {
    mode: 'log',
    keys: ch('D'),
    does: "cancel the downtimes on the selected downtime's slaves (after the confirmation)",
    footer: 'cancel its downtimes',
    run: cancelLoggedDowntime,
  },
  {
    mode: 'log',
    keys: ch('u'),
    does: 'undo the selected action: what it made is removed (after the confirmation)',
    footer: 'undo',
    run: undoLogged,
  },
  { mode: 'log', keys: ch('q'), does: 'quit', run: quit },

  // The hygiene view (H).
  {
    mode: 'hygiene',
    keys: [...named('escape'), ...ch('H')],
    does: 'close the hygiene view',
    footer: 'close',
    run: (s) => s.setMode('table'),
  },
  {
    mode: 'hygiene',
    keys: [...named('upArrow', 'downArrow'), ...ch('k', 'j')],
    does: 'select an item',
    footer: 'select',
    footerKeys: 2,
    run: (s, input, key) => s.moveHygieneCursor(key.upArrow || input === 'k' ? -1 : 1),
  },
  {
    mode: 'hygiene',
    keys: named('return'),
    does: "the item's slave in the table, its detail open",
    footer: 'show the slave',
    run: showHygieneSlave,
  },
  { mode: 'hygiene', keys: ch('q'), does: 'quit', run: quit },

  // Help.
  { mode: 'help', keys: ch('q'), does: 'quit', run: quit },
  {
    mode: 'help',
    keys: [{ any: true }],
    does: 'close the help (and do nothing else)',
    footer: 'closes the help',
    run: (s) => s.setMode('table'),
  },
];

const NAMES: Record<NamedKey, string> = {
  upArrow: '↑',
  downArrow: '↓',
  leftArrow: '←',
  rightArrow: '→',
  pageUp: 'PgUp',
  pageDown: 'PgDn',
  home: 'Home',
  end: 'End',
  return: 'Enter',
  escape: 'Esc',
  tab: 'Tab',
  backspace: 'Backspace',
};

/** A key as help, the footer and the docs write it: `space`, `Enter`, `Ctrl-B`, `↑`. */
export function keyName(b: Binding): string {
  if ('char' in b) return b.char === ' ' ? 'space' : b.char;
  if ('named' in b) return NAMES[b.named];
  if ('ctrl' in b) return `Ctrl-${b.ctrl.toUpperCase()}`;
  return 'text' in b ? 'text' : 'any';
}

/** The rows of one mode, in the table's order (the `any` rows are the table's: Ctrl-C). */
export function rowsOf(mode: Mode): KeyRow[] {
  return KEY_TABLE.filter((r) => r.mode === mode || (mode === 'table' && r.mode === 'any'));
}

/**
 * The key line of a mode: `/ filter  space mark  x act …`, the first key of each row that has a
 * word. Within `width`: whole keys, as many as fit in order, and the help key always (help lists
 * the ones left out); never a key cut in half.
 */
export function keyLine(mode: Mode, separator = '  ', width = Infinity): string {
  const rows = rowsOf(mode).filter((r) => r.footer !== undefined);
  const all = rows.map(footerText);
  if (all.join(separator).length <= width) return all.join(separator);
  const help = rows.filter((r) => r.run === openHelp).map(footerText);
  let room = help.reduce((left, text) => left - text.length - separator.length, width);
  const kept: string[] = [];
  for (const r of rows) {
    if (r.run === openHelp) continue;
    const text = footerText(r);
    room -= (kept.length === 0 ? 0 : separator.length) + text.length;
    if (room < 0) break;
    kept.push(text);
  }
  return [...kept, ...help].join(separator);
}

/** A row in the key line: `space mark`, `←→ choose`, or the words alone for typed text. */
function footerText(r: KeyRow): string {
  if (r.keys.some((b) => 'text' in b)) return r.footer!;
  return `${r.keys
    .slice(0, r.footerKeys ?? 1)
    .map(keyName)
    .join('')} ${r.footer}`;
}

/**
 * Help's lines: each key of the mode with what it does; the table's end with the keys of every
 * mode (Ctrl-L), Ctrl-C joined to q.
 */
export function helpEntries(mode: Mode = 'table'): Array<readonly [string, string]> {
  const everywhere =
    mode === 'table' ? KEY_TABLE.filter((r) => r.mode === 'any' && r.run !== quit) : [];
  return [...KEY_TABLE.filter((r) => r.mode === mode), ...everywhere].map((r) => {
    const keys = r.keys.map(keyName);
    if (mode === 'table' && r.run === quit) keys.push('Ctrl-C');
    return [keys.join(' '), r.does] as const;
  });
}
