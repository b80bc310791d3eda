// Long text laid out in a pane's lines instead of cut at the edge: wrapped at spaces, and whole
// entries fitted into the rows a pane has.

/** The text in lines of at most `width` characters, broken at spaces (a longer word is split). */
export function wrapText(text: string, width: number): string[] {
  if (width < 1) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    let rest = word;
    while (rest.length > width) {
      const room = line === '' ? width : width - line.length - 1;
      if (room < 1) {
        lines.push(line);
        line = '';
        continue;
      }
      lines.push(line === '' ? rest.slice(0, room) : `${line} ${rest.slice(0, room)}`);
      line = '';
      rest = rest.slice(room);
    }
    if (line === '') line = rest;
    else if (line.length + 1 + rest.length <= width) line = `${line} ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  lines.push(line);
  return lines;
}

/**
 * As many whole entries (each already wrapped) as fit in `rows` lines, in order. When not even
 * the first fits, its first lines, the last ending in `…`, so a pane never shows nothing.
 */
export function fitEntries(entries: readonly string[][], rows: number): string[] {
  const out: string[] = [];
  for (const lines of entries) {
    if (out.length + lines.length > rows) {
      if (out.length === 0 && rows > 0) {
        const cut = lines.slice(0, rows);
        cut[rows - 1] = `${cut[rows - 1]!.slice(0, Math.max(cut[rows - 1]!.length - 1, 0))}…`;
        return cut;
      }
      break;
    }
    out.push(...lines);
  }
  return out;
}
