import { describe, expect, it } from 'vitest';
import { isSlaveName, slaveNameProblem } from '../../../src/domain/names.js';

describe('slave names', () => {
  it.each(['talos-r3-fed-001', 'w764-ix-001', 'a', 'bld.linux64_ec2', 'X'.repeat(128)])(
    'accepts %s',
    (n) => {
      expect(isSlaveName(n)).toBe(true);
      expect(slaveNameProblem(n)).toBeNull();
    },
  );

  it.each([
    '',
    '-leading-dash',
    '.hidden',
    'has space',
    'semi;colon',
    'new\nline',
    'x'.repeat(129),
    'ünïcode',
    'slash/name',
  ])('refuses %j with a reason', (n) => {
    expect(isSlaveName(n)).toBe(false);
    expect(slaveNameProblem(n)).toMatch(/slave name/);
  });

  it('never echoes a control character in its message', () => {
    expect(slaveNameProblem('a\nb;SHUTDOWN_PROGRAM')).not.toMatch(/\n/);
  });
});
