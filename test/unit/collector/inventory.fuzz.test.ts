// Property tests of the inventory parsers: whatever the text, entries or one InventoryError line
// naming the file; every inventory built from valid slaves is read back as written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { yamlPieces, yamlTree } from '../../support/yaml-arbitrary.js';
import {
  InventoryError,
  parseListInventory,
  parseYamlInventory,
} from '../../../src/collector/inventory.js';
import type { InventoryEntry } from '../../../src/domain/inventory.js';

const RUNS = { numRuns: 200 };

function outcome(file: string, parse: () => InventoryEntry[]): void {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(InventoryError);
    const message = (err as Error).message;
    expect(message).not.toMatch(/[\r\n]/);
    expect(message.startsWith(`${file}`)).toBe(true);
  }
}

const yamlish = fc.oneof(
  yamlPieces(['slaves', 'name', 'pool', 'master', 'pdu', 'talos-r3-fed-001', 'w764', 'a b']),
  yamlTree(['slaves', 'name', 'pool', 'master', 'pdu'], ['talos-r3-fed-001', 'w764', 'a b']),
);

const slaveName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/);
const text = fc.string({ minLength: 1, maxLength: 12 }).filter((t) => t.trim() !== '');
const attributeKey = fc
  .stringMatching(/^[a-z][a-z0-9_]{0,10}$/)
  .filter((k) => !['name', 'pool', 'master'].includes(k));
const attributeValue = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean());
const slaves = fc.uniqueArray(
  fc.record(
    {
      name: slaveName,
      pool: text,
      master: text,
      attributes: fc.dictionary(attributeKey, attributeValue, { maxKeys: 4 }),
    },
    { requiredKeys: ['name', 'attributes'] },
  ),
  { selector: (s) => s.name, maxLength: 30 },
);

describe('inventory fuzz', () => {
  it('any text: entries or one InventoryError line naming the file', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), yamlish), (t) => {
        outcome('inv.yaml', () => parseYamlInventory(t, 'inv.yaml'));
        outcome('slaves.txt', () => parseListInventory(t, 'slaves.txt'));
      }),
      RUNS,
    );
  });

  it('any YAML value as the list or as an entry: entries or one InventoryError line', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        outcome('inv.yaml', () => parseYamlInventory(stringify(value), 'inv.yaml'));
        outcome('inv.yaml', () => parseYamlInventory(stringify({ slaves: [value] }), 'inv.yaml'));
      }),
      RUNS,
    );
  });

  it('every inventory of valid slaves is read back as written, as YAML and as a list', () => {
    fc.assert(
      fc.property(slaves, fc.boolean(), (list, underSlaves) => {
        const doc = list.map(({ name, pool, master, attributes }) => ({
          name,
          ...(pool === undefined ? {} : { pool }),
          ...(master === undefined ? {} : { master }),
          ...attributes,
        }));
        const read = parseYamlInventory(stringify(underSlaves ? { slaves: doc } : doc), 'inv.yaml');
        expect(read).toEqual(
          list.map((s) => ({
            name: s.name,
            pool: s.pool ?? null,
            master: s.master ?? null,
            attributes: Object.fromEntries(
              Object.entries(s.attributes).map(([k, v]) => [k, String(v)]),
            ),
          })),
        );
        const names = list.map((s) => s.name);
        expect(
          parseListInventory(names.join('\n') + '\n# end\n', 'slaves.txt').map((e) => e.name),
        ).toEqual(names);
      }),
      RUNS,
    );
  });
});
