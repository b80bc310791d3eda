// Text from outside (a slave's message, an inventory's pool, a Nagios comment) made safe to print:
// nothing in it can drive a terminal, reorder a line or break a Nagios line, and all of it shows.

/**
 * Characters a terminal or a reader acts on rather than shows: \p{Cc} is C0 (ESC, BEL, CR, LF,
 * tab...), DEL and C1 (CSI U+009B, OSC U+009D...); then the bidi marks, embeddings, overrides and
 * isolates (Trojan-source reordering), and the Unicode line and paragraph separators.
 */
const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');
/** What makes a line a line (tab included): one-line outputs turn these into a space. */
const BREAKS = /[\t\n\v\f\r\u2028\u2029]+/g;
/** Those JSON.stringify leaves raw (it escapes C0; a C0 outside a string is layout). */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
/** What in JSON text can decode to an unsafe character: any escape, or one of them raw. */
const MAYBE_UNSAFE_IN_JSON =
  /[\\\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

/**
 * Every unsafe character made visible: a C0 control or DEL becomes its Unicode control picture, one
 * column wide like a character (`␛`, `␇`, `␊`, `␉`, `␡`); a C1 control becomes `\x9b`, a bidi control
 * or a line separator `\u202e`. Everything else, any language and emoji included, stays as it is.
 * Idempotent; the exact text stays available as JSON from the API.
 */
export function printable(text: string): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE_ALL, shown);
}

function shown(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  if (code <= 0x9f) return `\\x${code.toString(16)}`;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text for a one-line output (Nagios plugin output, a command's comment): trimmed, each run of line
 * breaks and tabs one space (they are layout, not content), every other unsafe character shown.
 */
export function oneLine(text: string): string {
  return printable(text.trim().replace(BREAKS, ' '));
}

/**
 * At most `max` characters of a value, for quoting in an error message: escaped as in JSON
 * (`"a\nb\u202ec…"` without the quotes), so the operator reads what to fix as it would be typed.
 */
export function excerpt(value: string, max = 60): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return terminalSafeJson(JSON.stringify(cut)).slice(1, -1);
}

/**
 * JSON text for a terminal, with the same value: JSON escapes C0 already; this escapes DEL, C1,
 * bidi controls and line separators as `\u` too (none of them can appear outside a JSON string).
 */
export function terminalSafeJson(json: string): string {
  return json.replace(RAW_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JSON text parsed, with every string printable. The walk is skipped when the text holds no escape
 * and no unsafe character: the usual 10,000-slave snapshot then costs one scan, not a second pass.
 */
export function parsePrintableJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return MAYBE_UNSAFE_IN_JSON.test(text) ? printableDeep(value) : value;
}

/**
 * Every string of a freshly parsed JSON value (keys included) made printable, in place: the one
 * pass a display-only client runs on what it receives. Returns the value.
 */
export function printableDeep<T>(value: T): T {
  return neutraliseIn(value) as T;
}

function neutraliseIn(value: unknown): unknown {
  if (typeof value === 'string') return printable(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = neutraliseIn(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const was = record[key];
    const now = neutraliseIn(was);
    const safeKey = printable(key);
    if (safeKey === key && now === was) continue;
    if (safeKey !== key) delete record[key];
    // defineProperty, not assignment: JSON may hold an own `__proto__` key, and assigning to it
    // would set the prototype.
    Object.defineProperty(record, safeKey, {
      value: now,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return value;
}
