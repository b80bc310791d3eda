// Placeholders are filled per argument: whatever a value holds, it stays one argument, and a value
// that is missing or would turn into an option fails that slave before anything runs.
import { describe, expect, test } from 'vitest';
import {
  argvTemplateProblem,
  fillArgv,
  PlaceholderError,
  placeholdersIn,
  valuesFor,
} from '../../../src/reboot/placeholders.js';

const ssh = ['ssh', '-o', 'BatchMode=yes', 'cltbld@{host}', 'sudo', '/sbin/reboot'];

describe('fillArgv', () => {
  test('fills slave, host, pool, master and inventory attributes', () => {
    const values = valuesFor('t-001', {
      pool: 'talos',
      master: 'bm01',
      attributes: { mgmt_host: 't-001-mgmt', pdu: 'pdu3', outlet: '12' },
    });
    expect(
      fillArgv(
        ['ipmitool', '-H', '{mgmt_host}', 'x{pdu}.{outlet}', '{slave}/{pool}/{master}'],
        values,
      ),
    ).toEqual(['ipmitool', '-H', 't-001-mgmt', 'xpdu3.12', 't-001/talos/bm01']);
  });

  test('host is the inventory attribute host, else the slave name', () => {
    expect(fillArgv(ssh, valuesFor('t-001', {}))[3]).toBe('cltbld@t-001');
    expect(fillArgv(ssh, valuesFor('t-001', { attributes: { host: 't-001.example' } }))[3]).toBe(
      'cltbld@t-001.example',
    );
  });

  test.each([
    ['spaces', 'a b  c'],
    ['quotes', `it's "quoted"`],
    ['a semicolon', 'x; touch /tmp/pwned'],
    ['command substitution', '$(touch /tmp/pwned)'],
    ['backticks', '`id`'],
    ['a newline', 'x\ntouch /tmp/pwned'],
    ['a pipe and redirect', 'a | b > /etc/passwd'],
  ])('a value with %s stays exactly one argument', (_, value) => {
    const argv = fillArgv(
      ['echo', '--pdu={pdu}', '{pdu}'],
      valuesFor('s', { attributes: { pdu: value } }),
    );
    expect(argv).toEqual(['echo', `--pdu=${value}`, value]);
  });

  test('a missing attribute fails the slave, naming the placeholder and the slave', () => {
    const call = () => fillArgv(['ipmitool', '-H', '{mgmt_host}'], valuesFor('t-007', {}));
    expect(call).toThrow(PlaceholderError);
    expect(call).toThrow(/^t-007: no value for \{mgmt_host\} \(add the attribute "mgmt_host"/);
    try {
      call();
    } catch (err) {
      expect((err as PlaceholderError).placeholder).toBe('mgmt_host');
      expect((err as PlaceholderError).slave).toBe('t-007');
    }
  });

  test('an unknown pool or master, or an empty value, is missing too', () => {
    expect(() => fillArgv(['x', '{pool}'], valuesFor('s', {}))).toThrow(/no value for \{pool\}/);
    expect(() => fillArgv(['x', '{master}'], valuesFor('s', {}))).toThrow(
      /no value for \{master\}/,
    );
    expect(() => fillArgv(['x', '{pdu}'], valuesFor('s', { attributes: { pdu: '' } }))).toThrow(
      /no value for \{pdu\}/,
    );
  });

  test('inherited object keys are not values', () => {
    expect(() => fillArgv(['x', '{constructor}'], valuesFor('s', {}))).toThrow(
      /no value for \{constructor\}/,
    );
  });

  test('a value that would make an argument an option is refused', () => {
    const values = valuesFor('s', { attributes: { host: '-oProxyCommand=touch /tmp/pwned' } });
    expect(() => fillArgv(['ssh', '{host}', 'reboot'], values)).toThrow(/start with "-"/);
    // Behind a literal prefix the same value is harmless data.
    expect(fillArgv(['ssh', 'cltbld@{host}'], values)[1]).toBe(
      'cltbld@-oProxyCommand=touch /tmp/pwned',
    );
    // A template that is an option on purpose is fine.
    expect(fillArgv(['ssh', '-p{port}'], valuesFor('s', { attributes: { port: '22' } }))[1]).toBe(
      '-p22',
    );
  });

  test('a NUL byte cannot be passed to a program: refused', () => {
    expect(() => fillArgv(['x', '{pdu}'], valuesFor('s', { attributes: { pdu: 'a\0b' } }))).toThrow(
      /NUL/,
    );
  });

  test('text in braces that is not a placeholder name is left alone', () => {
    expect(fillArgv(['snmpset', '{}', '{ a }', '{1x}'], valuesFor('s', {}))).toEqual([
      'snmpset',
      '{}',
      '{ a }',
      '{1x}',
    ]);
  });

  test('a value is never filled again: placeholders inside values stay literal', () => {
    const values = valuesFor('s', { attributes: { pdu: '{slave}', outlet: '{outlet}' } });
    expect(fillArgv(['x', '{pdu}-{outlet}'], values)).toEqual(['x', '{slave}-{outlet}']);
  });
});

describe('the program is never chosen by data', () => {
  test('argv[0] with a placeholder is refused', () => {
    expect(argvTemplateProblem(['{mgmt_tool}', 'reboot'])).toMatch(/must be written literally/);
    expect(argvTemplateProblem(['/opt/{pool}/reboot'])).toMatch(/must be written literally/);
    expect(() => fillArgv(['{x}'], valuesFor('s', { attributes: { x: 'rm' } }))).toThrow(
      PlaceholderError,
    );
  });

  test('a literal program is fine', () => {
    expect(argvTemplateProblem(ssh)).toBeNull();
    expect(argvTemplateProblem([])).toMatch(/at least the program/);
  });
});

test('placeholdersIn lists names once, in order', () => {
  expect(placeholdersIn(['a{x}', '{y}{x}', '{}', '{slave}'])).toEqual(['x', 'y', 'slave']);
});
