import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  excerpt,
  oneLine,
  printable,
  parsePrintableJson,
  printableDeep,
  terminalSafeJson,
} from '../../../src/domain/printable.js';

/** What must never reach a terminal raw: C0, DEL, C1, bidi controls, line separators. */
const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
/** What JSON.stringify leaves raw: it escapes C0 itself. */
const UNSAFE_BUT_C0 = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

function stringsOf(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (v === null || typeof v !== 'object') return [];
  if (Array.isArray(v)) return v.flatMap(stringsOf);
  return Object.entries(v).flatMap(([k, x]) => [k, ...stringsOf(x)]);
}

/** The message of issue 17 item 10: a title, a clear-screen, red, and an OSC 52 clipboard write. */
const ATTACK = 'ok\x1b]0;PWNED-TITLE\x07 \x1b[2J\x1b[31mRED\x1b[0m \x1b]52;c;cHduZWQ=\x07 end';

describe('printable', () => {
  it('shows the attack message with no escape left in it', () => {
    expect(printable(ATTACK)).toBe('ok␛]0;PWNED-TITLE␇ ␛[2J␛[31mRED␛[0m ␛]52;c;cHduZWQ=␇ end');
  });

  it('turns every C0 control into its control picture, one column each', () => {
    for (let code = 0; code < 0x20; code++) {
      const out = printable(`a${String.fromCharCode(code)}b`);
      expect(out).toBe(`a${String.fromCharCode(0x2400 + code)}b`);
    }
    expect(printable('a\tb\r\nc')).toBe('a␉b␍␊c');
  });

  it('shows DEL as ␡', () => {
    expect(printable('a\x7fb')).toBe('a␡b');
  });

  it('writes each C1 control (CSI, OSC, NEL...) as \\x escape', () => {
    for (let code = 0x80; code <= 0x9f; code++) {
      expect(printable(String.fromCharCode(code))).toBe(`\\x${code.toString(16)}`);
    }
    expect(printable('\u009b31mred')).toBe('\\x9b31mred');
  });

  it.each([
    ['\u202a', 'LRE'],
    ['\u202b', 'RLE'],
    ['\u202c', 'PDF'],
    ['\u202d', 'LRO'],
    ['\u202e', 'RLO'],
    ['\u2066', 'LRI'],
    ['\u2067', 'RLI'],
    ['\u2068', 'FSI'],
    ['\u2069', 'PDI'],
    ['\u200e', 'LRM'],
    ['\u200f', 'RLM'],
    ['\u061c', 'ALM'],
    ['\u2028', 'LINE SEPARATOR'],
    ['\u2029', 'PARAGRAPH SEPARATOR'],
  ])('writes %j (%s) as a \\u escape', (ch) => {
    const code = ch.charCodeAt(0).toString(16).padStart(4, '0');
    expect(printable(`admin${ch}nimda`)).toBe(`admin\\u${code}nimda`);
  });

  it('keeps ordinary Unicode: any language, emoji, joiners, accents', () => {
    const text = 'Größe ошибка 日本語 العربية עברית 👩‍💻 e\u0301 ½ ␛ \\x1b';
    expect(printable(text)).toBe(text);
  });

  it('is idempotent and leaves nothing unsafe, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const once = printable(s);
        expect(once).not.toMatch(UNSAFE);
        expect(printable(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('oneLine', () => {
  it('makes breaks and tabs one space, trims, and shows the rest', () => {
    expect(oneLine('  cannot reach\r\nbm01\tnow\n')).toBe('cannot reach bm01 now');
    expect(oneLine(`a\u2028b`)).toBe('a b');
    expect(oneLine(ATTACK)).toBe(printable(ATTACK));
  });

  it('never yields a line break or an unsafe character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(oneLine(s)).not.toMatch(UNSAFE);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('excerpt', () => {
  it('cuts long values and escapes them as JSON, C1 and bidi included', () => {
    expect(excerpt('x'.repeat(70))).toBe(`${'x'.repeat(60)}…`);
    expect(excerpt('a\u202eb\nc"\u009b')).toBe('a\\u202eb\\nc\\"\\u009b');
  });
});

describe('terminalSafeJson', () => {
  it('escapes what JSON leaves raw and keeps the value and the layout', () => {
    const value = { message: 'a\u009b2J\u202eb\x7f\u2028c', plain: 'Größe', list: [1, 'x'] };
    const json = JSON.stringify(value, null, 2);
    const safe = terminalSafeJson(json);
    expect(safe).not.toMatch(UNSAFE_BUT_C0);
    expect(safe).toContain('\\u009b');
    expect(safe).toContain('\\u202e');
    expect(safe).toContain('\n  "plain": "Größe"');
    expect(JSON.parse(safe)).toEqual(value);
  });

  it('keeps every value, whatever it holds', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const safe = terminalSafeJson(JSON.stringify(v, null, 2));
        expect(JSON.parse(safe)).toEqual(JSON.parse(JSON.stringify(v)));
        expect(safe).not.toMatch(UNSAFE_BUT_C0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('printableDeep', () => {
  it('makes every string and key of parsed JSON printable, in place', () => {
    const parsed = JSON.parse(
      JSON.stringify({
        slaves: [{ name: 'a', message: ATTACK, muted: { author: 'x\u202ey' } }],
        attrs: { 'k\x1b': 'v' },
        n: 3,
        nothing: null,
      }),
    ) as Record<string, unknown>;
    expect(printableDeep(parsed)).toBe(parsed);
    expect(parsed).toEqual({
      slaves: [{ name: 'a', message: printable(ATTACK), muted: { author: 'x\\u202ey' } }],
      attrs: { 'k␛': 'v' },
      n: 3,
      nothing: null,
    });
  });

  it('treats an own __proto__ key as data, never as the prototype', () => {
    const parsed = JSON.parse('{"__proto__": "a\\u001bb", "x": {"__proto__": {"polluted": 1}}}');
    printableDeep(parsed);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toBe('a␛b');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('leaves nothing unsafe in any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const out: unknown = printableDeep(JSON.parse(JSON.stringify(v)));
        for (const s of stringsOf(out)) expect(s).not.toMatch(UNSAFE);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parsePrintableJson', () => {
  it('parses, and makes printable what an escape or a raw character brought in', () => {
    expect(parsePrintableJson('{"m":"plain","n":[1,null]}')).toEqual({ m: 'plain', n: [1, null] });
    expect(parsePrintableJson('{"m":"a\\u001b[31mb\\nc"}')).toEqual({ m: 'a␛[31mb␊c' });
    expect(parsePrintableJson('{"m":"a\u202eb\u009bc"}')).toEqual({ m: 'a\\u202eb\\x9bc' });
    expect(parsePrintableJson('{"m":"C:\\\\x \\"q\\""}')).toEqual({ m: 'C:\\x "q"' });
  });

  it('gives what JSON.parse then printableDeep give, for any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(parsePrintableJson(text)).toEqual(printableDeep(JSON.parse(text)));
      }),
      { numRuns: 1000 },
    );
  });
});
