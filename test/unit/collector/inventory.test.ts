import { describe, expect, it } from 'vitest';
import { parseListInventory, parseYamlInventory } from '../../../src/collector/inventory.js';

describe('inventory files', () => {
  it('reads one name per line with comments', () => {
    expect(
      parseListInventory('# farm\ntalos-r3-fed-001\n\n  w764-ix-002  # spare\n', 'slaves.txt'),
    ).toEqual([
      { name: 'talos-r3-fed-001', pool: null, master: null, attributes: {} },
      { name: 'w764-ix-002', pool: null, master: null, attributes: {} },
    ]);
  });

  it('reads YAML with pool, master and attributes, as a list or under slaves:', () => {
    const text = `
slaves:
  - talos-r3-fed-001
  - {name: w764-ix-002, pool: w764-ix, master: bm03, mgmt_host: w764-ix-002-mgmt, outlet: 7}
`;
    expect(parseYamlInventory(text, 'inv.yaml')).toEqual([
      { name: 'talos-r3-fed-001', pool: null, master: null, attributes: {} },
      {
        name: 'w764-ix-002',
        pool: 'w764-ix',
        master: 'bm03',
        attributes: { mgmt_host: 'w764-ix-002-mgmt', outlet: '7' },
      },
    ]);
    expect(parseYamlInventory('- a\n- b\n', 'inv.yaml').map((e) => e.name)).toEqual(['a', 'b']);
    expect(parseYamlInventory('', 'inv.yaml')).toEqual([]);
  });

  it.each([
    [
      () => parseListInventory('good\nbad name\n', 'slaves.txt'),
      /slaves\.txt:2: "bad name" is not a slave name/,
    ],
    [() => parseListInventory('a\na\n', 'slaves.txt'), /a is listed twice/],
    [() => parseYamlInventory('slaves: {a: 1}', 'inv.yaml'), /expected a list of slaves/],
    [
      () => parseYamlInventory('- {pool: x}', 'inv.yaml'),
      /slave \[0\]: name: a slave name must be a string/,
    ],
    [
      () => parseYamlInventory('- {name: a, pdu: [1, 2]}', 'inv.yaml'),
      /pdu: attributes must be plain values/,
    ],
    [() => parseYamlInventory('- [a', 'inv.yaml'), /not valid YAML/],
  ])('refuses a bad file, naming where (%#)', (load, message) => {
    expect(load).toThrow(message);
  });
});
