// Terminal input to keys, in order: a chunk a fast typist or a paste produced ("snow\r", "d30d\t")
// becomes one key each, escape sequences become named keys, and a bracketed paste becomes one
// paste of clean text. Pure; the console feeds it each piece of input Ink reads.

/** A key as the dispatcher reads it (the names follow Ink's Key, so tests read the same). */
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
  /** A bracketed paste: `input` is its text, controls and escape sequences removed. */
  paste?: boolean;
}

/** One key: `input` is the character typed (or the letter of a Ctrl key), empty for a named key. */
export interface SplitKey {
  input: string;
  key: KeyPress;
}

/** Between two pieces of input: the paste under way, if any (a paste can span many reads). */
export interface SplitterState {
  paste: string | null;
}

export const IDLE: SplitterState = { paste: null };

/** The most of one paste kept: a field is one line, and a runaway paste must not grow memory. */
export const MAX_PASTE = 4096;

const ESC = '\x1b';
const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

/* eslint-disable no-control-regex -- these match terminal control sequences */
// ESC [ params intermediates final (ESC [ [ A too: the Linux console's F1), and ESC O final.
const CSI = /^\x1b\[\[?[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]/;
const SS3 = /^\x1bO[\x40-\x7e]/;
// OSC and the other string sequences (DCS, SOS, PM, APC) end with BEL or ST; pasted text can hold them.
const STRING_SEQUENCE = /^\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?/;
/* eslint-enable no-control-regex */

const CSI_KEYS: Record<string, KeyPress> = {
  A: { upArrow: true },
  B: { downArrow: true },
  C: { rightArrow: true },
  D: { leftArrow: true },
  H: { home: true },
  F: { end: true },
  Z: { tab: true, shift: true },
  '1~': { home: true },
  '7~': { home: true },
  '4~': { end: true },
  '8~': { end: true },
  '3~': { delete: true },
  '5~': { pageUp: true },
  '6~': { pageDown: true },
};

/**
 * Splits one piece of input into keys, in order. Text is one key a character (a code point);
 * CR, LF and CRLF are each one Enter; DEL and BS are Backspace; a lone ESC is Esc; ESC and a
 * character is Esc then that character (nothing here is an Alt key); sequences it does not know
 * (focus, mouse, F-keys) are dropped, never text. A bracketed paste is one key of clean text.
 */
export function splitKeys(
  state: SplitterState,
  chunk: string,
): { state: SplitterState; keys: SplitKey[] } {
  const keys: SplitKey[] = [];
  let paste = state.paste;
  let i = 0;
  while (i < chunk.length) {
    if (paste !== null) {
      const end = chunk.indexOf(PASTE_END, i);
      paste = (paste + chunk.slice(i, end < 0 ? chunk.length : end)).slice(0, MAX_PASTE * 2);
      if (end < 0) break;
      const text = fieldText(paste);
      if (text !== '') keys.push({ input: text, key: { paste: true } });
      paste = null;
      i = end + PASTE_END.length;
      continue;
    }
    if (chunk.startsWith(PASTE_START, i)) {
      paste = '';
      i += PASTE_START.length;
      continue;
    }
    const ch = chunk[i]!;
    if (ch === ESC) {
      i += escapeKey(chunk.slice(i), keys);
      continue;
    }
    if (ch === '\r') {
      keys.push({ input: '', key: { return: true } });
      i += chunk[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    const code = chunk.codePointAt(i)!;
    const kind = classify(code);
    if (kind === 'text') keys.push({ input: String.fromCodePoint(code), key: {} });
    else if (kind !== 'drop') keys.push(kind);
    i += code > 0xffff ? 2 : 1;
  }
  return { state: { paste }, keys };
}

/** A character as typed: text, a key (a C0 control or DEL; LF is Enter, as a pasted newline), or nothing. */
function classify(code: number): SplitKey | 'text' | 'drop' {
  if (code === 0x0a) return { input: '', key: { return: true } };
  if (code === 0x09) return { input: '', key: { tab: true } };
  if (code === 0x7f || code === 0x08) return { input: '', key: { backspace: true } };
  if (code >= 0x01 && code <= 0x1a) {
    return { input: String.fromCharCode(code + 0x60), key: { ctrl: true } };
  }
  // NUL, the other C0 and the C1 controls are no key anyone typed.
  if (code < 0x20 || (code >= 0x80 && code < 0xa0) || isFormat(code)) return 'drop';
  return 'text';
}

/** Bidi overrides and isolates, line and paragraph separators: never part of what is typed. */
function isFormat(code: number): boolean {
  return (
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x200e ||
    code === 0x200f
  );
}

/** The key an input starting with ESC begins with; returns how much of it that key took. */
function escapeKey(rest: string, keys: SplitKey[]): number {
  const csi = CSI.exec(rest);
  if (csi) {
    const named = CSI_KEYS[csiName(csi[0])];
    if (named) keys.push({ input: '', key: named });
    return csi[0].length;
  }
  const ss3 = SS3.exec(rest);
  if (ss3) {
    const named = CSI_KEYS[ss3[0].slice(2)];
    if (named) keys.push({ input: '', key: named });
    return ss3[0].length;
  }
  // A lone ESC, or ESC before another key typed in the same instant: Esc, and the rest goes on.
  keys.push({ input: '', key: { escape: true } });
  return 1;
}

/** `ESC [ 1 ; 5 A` (Ctrl-Up) is still Up, `ESC [ 5 ; 2 ~` still PgUp: modifiers are dropped. */
function csiName(sequence: string): string {
  const body = sequence.slice(2);
  // `ESC [ [ A` is F1 on the Linux console, not Up.
  if (body.startsWith('[')) return body;
  const final = body.slice(-1);
  const params = body.slice(0, -1).split(';')[0] ?? '';
  return final === '~' ? `${params}~` : final;
}

/**
 * Text as one line of a field (the filter, a comment, a length), whoever typed or pasted it:
 * escape sequences removed whole, each run of line breaks and tabs one space between words, every
 * other control and bidi character dropped.
 */
export function fieldText(text: string): string {
  let out = '';
  // A break becomes a space only between two pieces of text: none leading, trailing or doubled.
  let brk = false;
  let i = 0;
  while (i < text.length && out.length < MAX_PASTE) {
    if (text[i] === ESC) {
      const rest = text.slice(i);
      const seq = CSI.exec(rest) ?? SS3.exec(rest) ?? STRING_SEQUENCE.exec(rest);
      i += seq ? seq[0].length : Math.min(2, rest.length);
      continue;
    }
    const code = text.codePointAt(i)!;
    i += code > 0xffff ? 2 : 1;
    if (code === 0x0a || code === 0x0d || code === 0x09) brk = out !== '';
    else if (classify(code) === 'text') {
      out += (brk ? ' ' : '') + String.fromCodePoint(code);
      brk = false;
    }
  }
  return out.slice(0, MAX_PASTE);
}
