// docs/console.md lists the keys the console has: its key tables must be the key table's, so the
// page, the help overlay and the dispatcher never drift apart.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KEY_TABLE, helpEntries, keyLine } from '../../../src/console/key-table.js';
import type { Mode } from '../../../src/console/store.js';

const DOC = readFileSync(new URL('../../../docs/console.md', import.meta.url), 'utf8');

const SECTIONS: Array<[string, Mode]> = [
  ['### In the table', 'table'],
  ['### In the filter prompt', 'filter'],
  ['### In the action form', 'form'],
  ['### In the confirmation', 'confirm'],
  ['### In the action log', 'log'],
  ['### In the hygiene view (`H`)', 'hygiene'],
  ['### In the action menu (`x`)', 'actions'],
  ['### In the help', 'help'],
];

/** The rows of the first table after a heading: [keys, does], keys as help writes them. */
function docTable(heading: string): Array<[string, string]> {
  const at = DOC.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`docs/console.md has no "${heading}"`);
  const lines = DOC.slice(at).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: Array<[string, string]> = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
    const keys = [...cells[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]).join(' ');
    rows.push([keys, cells[1]!]);
  }
  return rows;
}

describe('the key table', () => {
  it.each(SECTIONS)('docs/console.md "%s" lists exactly its keys', (heading, mode) => {
    expect(docTable(heading)).toEqual(helpEntries(mode).map(([k, d]) => [k, d]));
  });

  it('says what Esc does in the table as the dispatcher does it, and lists U', () => {
    const esc = helpEntries('table').find(([k]) => k === 'Esc');
    expect(esc?.[1]).toBe(
      'close the detail pane, else clear the cause filter (C), else the filter, else the quick filter, else the status line',
    );
    expect(helpEntries('table').some(([k]) => k.split(' ').includes('U'))).toBe(true);
  });

  it('gives no key two meanings in one mode, except rows that pass a key on', () => {
    // The form's r/f, space and text rows pass on what is not theirs (a letter in a text field).
    const passing = new Set(['r f', 'space', 'text']);
    for (const mode of SECTIONS.map(([, m]) => m)) {
      const seen = new Map<string, string>();
      for (const [keys] of helpEntries(mode)) {
        if (mode === 'form' && passing.has(keys)) continue;
        for (const k of keys.split(' ')) {
          expect(seen.get(k), `${k} twice in ${mode}`).toBeUndefined();
          seen.set(k, keys);
        }
      }
    }
  });

  it('writes the footer from the rows that have a word, in order', () => {
    expect(keyLine('table')).toBe(
      'Enter detail  / filter  space mark  a mark all  x act  d downtime  c recheck  A ack  r reboot  L log  s sort  ? help  q quit',
    );
    expect(keyLine('form', ' · ')).toBe('Esc cancel · Enter go on · Tab field · ←→ choose');
    expect(KEY_TABLE.filter((r) => r.footer !== undefined).every((r) => r.keys.length > 0)).toBe(
      true,
    );
  });

  it('fits the footer to a width: whole keys in order, the help key always', () => {
    const full = keyLine('table');
    expect(keyLine('table', '  ', full.length)).toBe(full);
    expect(keyLine('table', '  ', full.length - 1)).toBe(full.replace(/ {2}q quit$/, ''));
    expect(keyLine('table', '  ', 20)).toBe('Enter detail  ? help');
    expect(keyLine('table', '  ', 19)).toBe('? help');
    expect(keyLine('log', ' · ', 30)).toBe('Esc close · ↑↓ select');
  });
});
