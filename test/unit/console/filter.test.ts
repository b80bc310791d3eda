import { describe, expect, it } from 'vitest';
import { compileFilter, matchesStateFilter, type Filterable } from '../../../src/domain/filter.js';

const slave: Filterable = {
  name: 'talos-r3-fed-001',
  pool: 'talos-r3-fed',
  master: 'bm01.build:9010',
};
const test = (text: string, s = slave) => {
  const f = compileFilter(text);
  if (!f.ok) throw new Error(f.error);
  return f.test(s);
};

describe('domain filter', () => {
  it('matches everything when empty or blank', () => {
    expect(test('')).toBe(true);
    expect(test('   ')).toBe(true);
  });

  it('matches plain text anywhere in name, pool or master, ignoring case', () => {
    expect(test('FED-001')).toBe(true);
    expect(test('bm01.build')).toBe(true);
    expect(test('w864')).toBe(false);
    expect(test('r3', { name: 'x', pool: null, master: null })).toBe(false);
  });

  it('treats text between slashes as a regex, with flags', () => {
    expect(test('/^talos-r[34]-fed-00[0-9]$/')).toBe(true);
    expect(test('/^TALOS/')).toBe(false);
    expect(test('/^TALOS/i')).toBe(true);
    expect(test('/:9010$/')).toBe(true);
    // Regex metacharacters in plain text are plain.
    expect(test('bm01.')).toBe(true);
    expect(test('bm01*')).toBe(false);
  });

  it('explains a bad regex or flag in one line', () => {
    expect(compileFilter('/(/')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^not a regex/),
    });
    expect(compileFilter('/a/g')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/flag/),
    });
    // A lone slash is text, not an empty regex.
    expect(compileFilter('/').ok).toBe(true);
  });

  it('has state filters for problems and muted slaves', () => {
    expect(matchesStateFilter('problems', { state: 'late', muted: null })).toBe(true);
    expect(matchesStateFilter('problems', { state: 'never', muted: null })).toBe(true);
    expect(matchesStateFilter('problems', { state: 'rebooting', muted: null })).toBe(true);
    expect(matchesStateFilter('problems', { state: 'needs-hands', muted: null })).toBe(true);
    expect(matchesStateFilter('problems', { state: 'ok', muted: null })).toBe(false);
    expect(matchesStateFilter('muted', { state: 'ok', muted: false })).toBe(false);
    expect(matchesStateFilter('muted', { state: 'ok', muted: null })).toBe(false);
    expect(matchesStateFilter('muted', { state: 'ok', muted: { kind: 'acknowledgement' } })).toBe(
      true,
    );
    expect(matchesStateFilter('all', { state: 'ok', muted: null })).toBe(true);
  });
});
