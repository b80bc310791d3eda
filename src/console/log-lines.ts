// The action log's detail of one action: every target not done, each with its whole reason (a
// reboot's every method and how it ended, one per line, a long one wrapped), so the pane can
// scroll to the last one.
import type { ActionView, TargetStatus } from '../domain/protocol.js';
import { BAD_STATUSES, outcomeMark } from './action-words.js';
import { wrapText } from './wrap.js';

export interface LogLine {
  text: string;
  /** Shown in red: a failure, or a slave that needs hands. */
  bad: boolean;
}

export interface ActionDetail {
  /** `#12: 12 of 33 not back`, `#12: all 33 confirmed by Nagios`, `#9: did nothing: 3 of 3 not back`. */
  title: string;
  lines: LogLine[];
}

/** What "done" is for a target of each kind. */
function doneStatus(action: ActionView): TargetStatus {
  if (action.kind === 'reboot') return 'back';
  if (action.kind === 'cancel-reboot') return 'cancelled';
  return 'confirmed';
}

const DONE_WORDS: Partial<Record<TargetStatus, string>> = {
  back: 'back',
  cancelled: 'cancelled',
  confirmed: 'confirmed by Nagios',
};

export function actionDetail(action: ActionView): ActionDetail {
  const done = doneStatus(action);
  const notDone = action.targets.filter((t) => t.status !== done);
  const { words } = outcomeMark(action);
  const head = `#${action.id}: ${words ? `${words}: ` : ''}`;
  const all = action.targets.length;
  if (notDone.length === 0) return { title: `${head}all ${all} ${DONE_WORDS[done]}`, lines: [] };
  const lines: LogLine[] = [];
  for (const t of notDone) {
    const bad = BAD_STATUSES.has(t.status);
    // A reboot's reason lists each method it ran (`ssh: exited 0, no start within 25s; ipmi: ...`).
    const parts = t.error === null ? [] : t.error.split('; ').filter((p) => p !== '');
    if (parts.length <= 1) {
      lines.push({ text: `${t.slave}: ${t.status}${parts[0] ? `: ${parts[0]}` : ''}`, bad });
    } else {
      lines.push({ text: `${t.slave}: ${t.status}`, bad });
      for (const p of parts) lines.push({ text: `    ${p}`, bad });
    }
  }
  const not = done === 'confirmed' ? 'not confirmed' : `not ${DONE_WORDS[done]}`;
  return { title: `${head}${notDone.length} of ${all} ${not}`, lines };
}

/** The part of an action's detail a pane of `rows` lines shows, each line wrapped to `width`. */
export interface DetailWindow {
  /** Index of the first detail line shown (the store's scroll, kept so the last one fits). */
  from: number;
  /** Detail lines shown, whole. */
  count: number;
  /** What is drawn: the shown lines wrapped, continuations indented under their line. */
  rows: LogLine[];
}

/**
 * The detail lines from `scroll` on that fit in `rows` pane lines, each wrapped at `width` so a
 * long reason is read whole; scrolled no further than the last lines filling the pane.
 */
export function detailWindow(
  lines: readonly LogLine[],
  scroll: number,
  rows: number,
  width: number,
): DetailWindow {
  const wrapped = lines.map((l) => {
    // A line's own indent (a reboot's methods under their slave) stays; its continuations go
    // two further in.
    const indent = `  ${/^ */.exec(l.text)![0]}`;
    const room = Math.max(width - indent.length - 2, 10);
    return wrapText(l.text.trimStart(), room).map((text, i) => ({
      text: `${i === 0 ? indent : `${indent}  `}${text}`,
      bad: l.bad,
    }));
  });
  // The furthest start that still fills the pane from there to the last line.
  let last = wrapped.length;
  for (let used = 0; last > 0 && used + wrapped[last - 1]!.length <= rows; last--) {
    used += wrapped[last - 1]!.length;
  }
  const from = Math.max(Math.min(scroll, last, wrapped.length - 1), 0);
  const shown: LogLine[] = [];
  let count = 0;
  for (const entry of wrapped.slice(from)) {
    // A line longer than the pane is still shown, cut, when it is the first.
    if (shown.length + entry.length > rows && count > 0) break;
    shown.push(...entry.slice(0, rows - shown.length));
    count++;
  }
  return { from, count, rows: shown };
}
