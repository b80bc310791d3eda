// fast-check arbitraries for hostile input: junk of every JSON type, text with controls, near-valid
// heartbeats, action requests and stream frames. Shared by the unit properties and the live run.
import fc from 'fast-check';
import { ACTION_KINDS } from '../../src/domain/protocol.js';

/** What must never reach a terminal raw (see src/domain/printable.ts). */
export const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

/** Text that likes to hold controls, escapes, bidi overrides, `;`, `|` and long runs. */
export const nastyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    'ok\x1b]0;PWNED\x07',
    '\x1b[2J\x1b[31mRED',
    '\u009b31m',
    'admin\u202enimda',
    'a;b|c\nd\r\u2028',
    '__proto__',
    'constructor',
    '\ud800',
    'x'.repeat(1100),
  ),
);

export const junk: fc.Arbitrary<unknown> = fc.oneof(
  nastyText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

export const slaveName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
  fc.constantFrom('a', 'X'.repeat(128), 'X'.repeat(129), '-x', 'a b', 'a;b', 'a\nb'),
  junk,
);

/** An object with some of `fields` (valid or junk), sometimes an unknown key with a nasty name. */
export function nearValid(
  fields: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.option(fc.tuple(nastyText, junk), { freq: 4 }),
    )
    .map(([record, extra]) => (extra ? { ...record, [extra[0]]: extra[1] } : record));
}

export function heartbeatBody(now: number): fc.Arbitrary<unknown> {
  const iso = (min: number, max: number) =>
    fc.integer({ min, max }).map((ms) => new Date(ms).toISOString());
  const heartbeat = nearValid({
    slave: slaveName,
    kind: fc.oneof(fc.constantFrom('start', 'critical'), junk),
    master: fc.oneof(fc.constantFrom('bm01', 'bm01.build:9010'), junk),
    pool: fc.oneof(fc.constantFrom('talos-r3'), junk),
    message: fc.oneof(fc.string({ unit: 'binary', maxLength: 1030 }), junk),
    at: fc.oneof(
      iso(now - 8 * 86400_000, now + 600_000),
      fc.constantFrom('2026-13-99T00:00:00Z'),
      junk,
    ),
  });
  // Wholly valid ones too, so that every run has some accepted (near-valid ones rarely are).
  const valid = fc.record(
    {
      slave: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
      kind: fc.constantFrom('start', 'critical'),
      master: fc.constantFrom('bm01', 'bm01.build:9010'),
      message: fc.string({ maxLength: 200 }),
      at: iso(now - 86400_000, now),
    },
    { requiredKeys: ['slave'] },
  );
  return fc.oneof(
    heartbeat,
    valid,
    fc.array(fc.oneof({ weight: 4, arbitrary: heartbeat }, junk), { maxLength: 6 }),
    fc.jsonValue({ maxDepth: 2 }),
  );
}

export function actionBody(now: number, known: readonly string[]): fc.Arbitrary<unknown> {
  const iso = fc
    .integer({ min: now - 86400_000, max: now + 400 * 86400_000 })
    .map((ms) => new Date(ms).toISOString());
  const params = nearValid({
    comment: fc.oneof(nastyText, fc.constantFrom('looking', ' \n ', ';')),
    duration: fc.oneof(
      fc.constantFrom('2h', '30d', '90m', '0s', '367d', '9999w', '1w', '-1h', '1h30m', ' 2h '),
      nastyText,
    ),
    until: fc.oneof(iso, nastyText),
    start: fc.oneof(fc.constant('now'), iso, nastyText),
    flexible: fc.oneof(fc.boolean(), junk),
    sticky: fc.oneof(fc.boolean(), junk),
    includeMuted: fc.oneof(fc.boolean(), junk),
  });
  return fc.oneof(
    nearValid({
      kind: fc.oneof(fc.constantFrom(...ACTION_KINDS, 'unack'), junk),
      targets: fc.oneof(
        fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, slaveName), {
          maxLength: 4,
        }),
        junk,
      ),
      params: fc.oneof({ weight: 3, arbitrary: params }, junk),
      dryRun: fc.oneof(fc.boolean(), junk),
    }),
    // Requests that pass, with nasty comments: what a planned action carries on.
    fc.record({
      kind: fc.constantFrom('recheck', 'force-check', 'ack', 'downtime', 'remove-ack'),
      targets: fc.subarray([...known], { minLength: 1 }),
      params: fc.record({
        comment: fc.oneof(fc.constant('looking'), nastyText),
        duration: fc.constantFrom('2h', '30d'),
      }),
    }),
    // Planned far enough to reach the downtime window and the flexible length.
    fc.record({
      kind: fc.constant('downtime'),
      targets: fc.constant([known[0]]),
      params: params.map((p) => ({ comment: 'c', flexible: true, ...p })),
    }),
    fc.jsonValue({ maxDepth: 2 }),
  );
}
