// Which lines of the table the window shows: the first line, kept so the cursor stays in view
// and no group's header is scrolled off above that group's first row.
import type { Line } from './console-data.js';

/**
 * The window's first line: the cursor's line inside it, the window moved as little as possible
 * from `top`. A group's header and first row are shown together or not at all: a window that
 * would start on a group's first row takes its header in (or, when the cursor would then fall
 * off the bottom, starts one row further down).
 */
export function windowTop(
  top: number,
  cursorLine: number,
  pageSize: number,
  lines: readonly Line[],
): number {
  let t = top;
  if (cursorLine < t) t = cursorLine;
  if (cursorLine >= t + pageSize) t = cursorLine - pageSize + 1;
  t = Math.max(Math.min(t, lines.length - pageSize), 0);
  // A one-line window is the cursor's line alone.
  if (pageSize > 1 && lines[t - 1]?.kind === 'group') {
    t = cursorLine < t - 1 + pageSize ? t - 1 : t + 1;
  }
  return t;
}
