// Which lines of the table the window shows: the first line, kept so the cursor stays in view.
import type { Line } from './console-data.js';

/**
 * Keeps the cursor's line inside the window, moving the window as little as possible, and
 * shows the group header of a cursor on its group's first row.
 */
export function windowTop(
  top: number,
  cursorLine: number,
  pageSize: number,
  lines: readonly Line[],
): number {
  const first =
    lines[cursorLine - 1]?.kind === 'group' && pageSize > 1 ? cursorLine - 1 : cursorLine;
  let t = top;
  if (first < t) t = first;
  if (cursorLine >= t + pageSize) t = cursorLine - pageSize + 1;
  t = Math.min(t, Math.max(lines.length - pageSize, 0));
  return Math.max(t, 0);
}
