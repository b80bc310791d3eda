import { describe, expect, it } from 'vitest';
import {
  IDLE,
  MAX_PASTE,
  fieldText,
  splitKeys,
  type SplitKey,
} from '../../../src/console/key-splitter.js';

const keys = (chunk: string): SplitKey[] => splitKeys(IDLE, chunk).keys;
const text = (t: string): SplitKey => ({ input: t, key: {} });
const ENTER: SplitKey = { input: '', key: { return: true } };
const ESC: SplitKey = { input: '', key: { escape: true } };

describe('the key splitter', () => {
  it('splits text into one key a character, UTF-8 included', () => {
    expect(keys('snow')).toEqual(['s', 'n', 'o', 'w'].map(text));
    expect(keys('é木🙂')).toEqual([text('é'), text('木'), text('🙂')]);
    expect(keys('')).toEqual([]);
  });

  it('makes CR, LF and CRLF one Enter each, wherever they fall', () => {
    expect(keys('snow\r')).toEqual([...['s', 'n', 'o', 'w'].map(text), ENTER]);
    expect(keys('a\nb')).toEqual([text('a'), ENTER, text('b')]);
    expect(keys('a\r\nb')).toEqual([text('a'), ENTER, text('b')]);
    expect(keys('\r\r')).toEqual([ENTER, ENTER]);
    expect(keys('\n\r')).toEqual([ENTER, ENTER]);
  });

  it('names Tab, Shift-Tab, Backspace (DEL and BS), Delete and Ctrl keys', () => {
    expect(keys('\t\x1b[Z')).toEqual([
      { input: '', key: { tab: true } },
      { input: '', key: { tab: true, shift: true } },
    ]);
    expect(keys('\x7f\x08\x1b[3~')).toEqual([
      { input: '', key: { backspace: true } },
      { input: '', key: { backspace: true } },
      { input: '', key: { delete: true } },
    ]);
    expect(keys('\x03\x15\x02\x0c')).toEqual([
      { input: 'c', key: { ctrl: true } },
      { input: 'u', key: { ctrl: true } },
      { input: 'b', key: { ctrl: true } },
      { input: 'l', key: { ctrl: true } },
    ]);
  });

  it('reads escape sequences as named keys, modifiers dropped, both CSI and SS3', () => {
    const named = (k: SplitKey['key']): SplitKey => ({ input: '', key: k });
    expect(keys('\x1b[A\x1b[B\x1b[C\x1b[D')).toEqual([
      named({ upArrow: true }),
      named({ downArrow: true }),
      named({ rightArrow: true }),
      named({ leftArrow: true }),
    ]);
    expect(keys('\x1bOA\x1b[1;5B\x1b[5~\x1b[6;2~\x1b[H\x1b[4~')).toEqual([
      named({ upArrow: true }),
      named({ downArrow: true }),
      named({ pageUp: true }),
      named({ pageDown: true }),
      named({ home: true }),
      named({ end: true }),
    ]);
  });

  it('takes a lone ESC, and ESC before a key typed in the same instant, as Esc', () => {
    expect(keys('\x1b')).toEqual([ESC]);
    expect(keys('\x1bd')).toEqual([ESC, text('d')]);
    expect(keys('\x1b\x1b')).toEqual([ESC, ESC]);
    expect(keys('x\x1b\r')).toEqual([text('x'), ESC, ENTER]);
  });

  it('drops what is no key: unknown sequences, F1 on the Linux console, NUL, C1, bidi controls', () => {
    expect(keys('\x1b[I\x1b[O\x1b[[A\x1b[15~\x1b[<0;3;4M')).toEqual([]);
    expect(keys('a\x00\x1c\x1f\u0085\u009b\u202e\u2066\u2028b')).toEqual([text('a'), text('b')]);
  });

  it('makes a bracketed paste one key of clean text, across reads', () => {
    expect(keys('\x1b[200~talos-r3\x1b[201~x')).toEqual([
      { input: 'talos-r3', key: { paste: true } },
      text('x'),
    ]);
    // Ink hands the paste over in pieces: each escape sequence apart from the text around it.
    let state = IDLE;
    const out: SplitKey[] = [];
    for (const piece of ['\x1b[200~', 'rack 4', '\x1b[31m', '\r\npower', '\x1b[201~', '\r']) {
      const r = splitKeys(state, piece);
      state = r.state;
      out.push(...r.keys);
    }
    expect(out).toEqual([{ input: 'rack 4 power', key: { paste: true } }, ENTER]);
    expect(state).toEqual(IDLE);
    // An empty paste (or one of controls only) is no key.
    expect(keys('\x1b[200~\r\n\x1b[2J\x1b[201~')).toEqual([]);
  });

  it('cleans pasted text: breaks become one space between words, escape sequences go whole', () => {
    expect(fieldText('a\r\n\r\nb\tc\n')).toBe('a b c');
    expect(fieldText('\nred \x1b[31mtext\x1b[0m')).toBe('red text');
    expect(fieldText('t\x1b]0;evil title\x07x\x1b]52;c;Zm9v\x1b\\y')).toBe('txy');
    expect(fieldText('a\x1bcb\x1bOAc')).toBe('abc');
    expect(fieldText('a\u0000\u0007\u009b\u202eb')).toBe('ab');
    expect(fieldText('x'.repeat(MAX_PASTE + 10))).toHaveLength(MAX_PASTE);
  });
});
