// Property tests of corral.yaml: whatever the text, the only way out is settings or one ConfigError
// line naming the file; every document built from valid parts is accepted as written.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { yamlPieces, yamlTree } from '../../support/yaml-arbitrary.js';
import { ConfigError, loadSettings, parseConfigText } from '../../../src/collector/config.js';

const RUNS = { numRuns: 200 };
const dir = mkdtempSync(path.join(tmpdir(), 'corral-config-fuzz-'));
const file = path.join(dir, 'corral.yaml');

/** Runs `load` and says how it ended: never an exception other than a one-line ConfigError. */
function outcome(load: () => unknown): 'accepted' | 'refused' {
  try {
    load();
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toMatch(/[\r\n]/);
    expect(message.startsWith(`${file}: `) || message.startsWith('corral.yaml: ')).toBe(true);
    return 'refused';
  }
}

function loadText(text: string) {
  writeFileSync(file, text);
  return loadSettings(file);
}

/** Pieces of YAML and of corral.yaml, so random texts reach deep into the parser and the schema. */
const yamlish = fc.oneof(
  yamlPieces([
    'listen',
    'tokens',
    'thresholds',
    'pools',
    'warning',
    'critical',
    'limits',
    'reboot',
    'methods',
    'argv',
    'name',
    'role',
    'token',
    'token_file',
    'operator',
    'nagios',
    '6h',
    '7h',
    '0',
    '-1',
    '1e9',
    'true',
    '0123456789abcdef',
    'constructor',
  ]),
  yamlTree(
    [
      'listen',
      'tokens',
      'thresholds',
      'pools',
      'warning',
      'critical',
      'name',
      'role',
      'token',
      'token_file',
    ],
    ['6h', '7h', 'operator', '0123456789abcdef', '127.0.0.1:0'],
  ),
);

describe('corral.yaml fuzz', () => {
  it('any text: settings or one ConfigError line naming the file', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), yamlish), (text) => {
        outcome(() => parseConfigText(text, 'corral.yaml'));
        outcome(() => loadText(text));
      }),
      RUNS,
    );
  });

  it('any YAML value under any known key: settings or one ConfigError line', () => {
    const key = fc.constantFrom(
      ...['listen', 'db', 'thresholds', 'pools', 'inventory', 'tokens', 'limits', 'stream'],
      ...['history', 'nagios', 'reboot'],
    );
    fc.assert(
      fc.property(fc.dictionary(key, fc.jsonValue({ maxDepth: 4 })), (doc) => {
        outcome(() => loadText(stringify(doc)));
      }),
      RUNS,
    );
  });

  const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,20}$/);
  const tokenValue = fc.stringMatching(/^[\x21-\x7e]{16,40}$/);
  const hours = fc.integer({ min: 1, max: 100 });
  const validDoc = fc.record(
    {
      listen: fc
        .tuple(fc.constantFrom('127.0.0.1', '[::1]', '0.0.0.0'), fc.integer({ min: 0, max: 65535 }))
        .map(([host, port]) => `${host}:${port}`),
      thresholds: fc
        .tuple(hours, hours)
        .map(([w, extra]) => ({ warning: `${w}h`, critical: `${w + extra}h` })),
      tokens: fc.uniqueArray(
        fc.record({
          name,
          role: fc.constantFrom('heartbeat', 'viewer', 'operator'),
          token: tokenValue,
        }),
        {
          selector: (t) => t.token,
          maxLength: 5,
        },
      ),
      limits: fc.record(
        {
          body_bytes: fc.integer({ min: 1024, max: 1 << 24 }),
          inventory_bytes: fc.integer({ min: 1024, max: 1 << 30 }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  );

  it('every document built from valid parts is accepted as written', () => {
    fc.assert(
      fc.property(validDoc, (doc) => {
        const settings = loadText(stringify(doc));
        if (doc.listen) expect(settings.listen).toBe(doc.listen);
        expect(settings.tokens).toEqual(doc.tokens ?? []);
        if (doc.limits?.inventory_bytes) {
          expect(settings.limits.inventoryBytes).toBe(doc.limits.inventory_bytes);
        }
      }),
      RUNS,
    );
  });
});
