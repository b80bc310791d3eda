// Long text laid out in a pane's lines instead of cut at the edge: wrapped at spaces, and whole
// entries fitted into the rows a pane has.

/**
 * The text in lines of at most `width` characters, broken at spaces (a longer word is split).
 * With `indent`, the lines after the first start with that many spaces: a hanging indent that
 * shows where one entry (an exact Nagios line) ends and the next begins.
 */
export function wrapText(text: string, width: number, indent = 0): string[] {
  if (width < 1) return [text];
  const pad = ' '.repeat(indent < width ? indent : 0);
  const lines: string[] = [];
  // The room of the line being built: the first has the whole width.
  const room = () => (lines.length === 0 ? width : width - pad.length);
  let line = '';
  for (const word of text.split(' ')) {
    let rest = word;
    while (rest.length > room()) {
      const left = line === '' ? room() : room() - line.length - 1;
      if (left < 1) {
        lines.push(line);
        line = '';
        continue;
      }
      lines.push(line === '' ? rest.slice(0, left) : `${line} ${rest.slice(0, left)}`);
      line = '';
      rest = rest.slice(left);
    }
    if (line === '') line = rest;
    else if (line.length + 1 + rest.length <= room()) line = `${line} ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : pad + l));
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
