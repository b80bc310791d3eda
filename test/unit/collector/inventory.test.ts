import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadInventory,
  parseListInventory,
  parseYamlInventory,
} from '../../../src/collector/inventory.js';

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
    [
      () => parseYamlInventory('slaves: &s [a, *s]', 'inv.yaml'),
      /^inv\.yaml: slaves\.1: alias \*s refers to itself/,
    ],
    [
      () => parseYamlInventory('- {name: a, pool: *p}', 'inv.yaml'),
      /^inv\.yaml: 0\.pool: alias \*p names no anchor before it/,
    ],
    [
      () =>
        parseYamlInventory(
          'x: &a [' +
            'y, '.repeat(99) +
            'y]\n' +
            'z: &b [' +
            '*a, '.repeat(99) +
            '*a]\n' +
            'slaves: [' +
            '*b, '.repeat(99) +
            '*b]\n',
          'inv.yaml',
        ),
      /^inv\.yaml: slaves\.\d+: aliases expand to more than 1000000 values \(an alias bomb\?\)/,
    ],
    [
      () => parseYamlInventory('slaves:\n' + '  - '.repeat(40) + 'a\n', 'inv.yaml'),
      /^inv\.yaml: line 2, column \d+: nested deeper than 32 levels/,
    ],
  ])('refuses a bad file, naming where (%#)', (load, message) => {
    expect(load).toThrow(message);
  });

  it('takes aliases that fill a field of many slaves', () => {
    const text = 'slaves:\n  - {name: a, pool: &p talos-r3-fed}\n  - {name: b, pool: *p}\n';
    expect(parseYamlInventory(text, 'inv.yaml').map((e) => e.pool)).toEqual([
      'talos-r3-fed',
      'talos-r3-fed',
    ]);
  });

  it('refuses a file over the size limit before reading it, a FIFO, and names a missing one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'corral-inventory-'));
    const file = path.join(dir, 'slaves.txt');
    const text = Array.from({ length: 100 }, (_, i) => `slave-${i}`).join('\n');
    writeFileSync(file, text);
    expect(loadInventory(file, text.length)).toHaveLength(100);
    expect(() => loadInventory(file, text.length - 1)).toThrow(
      `slaves.txt: the inventory is ${text.length} bytes, over limits.inventory_bytes (${text.length - 1})`,
    );
    // A FIFO would block a plain open until someone writes to it.
    execFileSync('mkfifo', [path.join(dir, 'fifo.yaml')]);
    expect(() => loadInventory(path.join(dir, 'fifo.yaml'), text.length)).toThrow(
      /fifo\.yaml: the inventory is not a regular file/,
    );
    expect(() => loadInventory(path.join(dir, 'nope.yaml'), text.length)).toThrow(
      /nope\.yaml does not exist \(\S+ does\): check the path/,
    );
  });
});
