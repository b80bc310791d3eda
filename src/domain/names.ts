// Slave names as docs/design.md allows them; the one check every input path goes through.

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
    return `"${printable(value)}" is not a slave name: use letters, digits, ".", "_" and "-", starting with a letter or digit`;
  }
  return null;
}

/** Shows control characters escaped so an error message never carries them raw. */
export function printable(value: string, max = 60): string {
  const shown = JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
  return shown.slice(1, -1);
}
