// Slave names as docs/design.md allows them; the one check every input path goes through.
import { excerpt } from './printable.js';

export const SLAVE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isSlaveName(value: unknown): value is string {
  return typeof value === 'string' && SLAVE_NAME_PATTERN.test(value);
}

/** Why a name is refused, written for the operator; null when the name is fine. */
export function slaveNameProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'a slave name must be a string';
  if (value.length === 0) return 'a slave name must not be empty';
  if (value.length > 128) return `a slave name has at most 128 characters (got ${value.length})`;
  if (!SLAVE_NAME_PATTERN.test(value)) {
    return `"${excerpt(value)}" is not a slave name: use letters, digits, ".", "_" and "-", starting with a letter or digit`;
  }
  return null;
}
