// Reboot method argv templates: `{name}` placeholders filled per argument from what is known of a
// slave. Pure. The result is an argv array for execFile: no shell ever sees it.
import { excerpt } from '../domain/printable.js';

/** What a slave's placeholders are filled from; attributes come from the inventory. */
export interface PlaceholderValues {
  slave: string;
  /** The slave's host name; the inventory attribute `host` if it has one, else the slave's name. */
  host: string;
  pool: string | null;
  master: string | null;
  attributes: Readonly<Record<string, string>>;
}

/** A placeholder that cannot be filled safely for a slave: that slave fails before anything runs. */
export class PlaceholderError extends Error {
  override name = 'PlaceholderError';
  constructor(
    message: string,
    readonly slave: string,
    readonly placeholder: string,
  ) {
    super(message);
  }
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function valuesFor(
  slave: string,
  known: { pool?: string | null; master?: string | null; attributes?: Record<string, string> },
): PlaceholderValues {
  const attributes = known.attributes ?? {};
  return {
    slave,
    host: attributes.host ?? slave,
    pool: known.pool ?? null,
    master: known.master ?? null,
    attributes,
  };
}

/** The placeholder names an argv template uses, in order of first use. */
export function placeholdersIn(argv: readonly string[]): string[] {
  const names = argv.flatMap((arg) => [...arg.matchAll(PLACEHOLDER)].map((m) => m[1]!));
  return [...new Set(names)];
}

/**
 * Why a method's argv template is refused at configuration time; null when it is fine.
 * The program (argv[0]) must be written literally: data from the inventory never chooses what runs.
 */
export function argvTemplateProblem(argv: readonly string[]): string | null {
  if (argv.length === 0) return 'argv needs at least the program';
  if (placeholdersIn([argv[0]!]).length > 0) {
    return `the program "${argv[0]}" must be written literally, without placeholders`;
  }
  if (argv[0]!.trim() === '') return 'the program must not be empty';
  return null;
}

/**
 * Fills every placeholder of every argument. Each argument stays exactly one argument whatever
 * the values hold (spaces, quotes, `;`, `$(...)`, newlines). Refused for the slave, with a
 * PlaceholderError naming the placeholder: a value that is missing or empty, a value with a NUL
 * byte (cannot be passed to a program), and an argument that would start with `-` only because
 * of a value (a host name `-oProxyCommand=...` must not become an option).
 */
export function fillArgv(argv: readonly string[], values: PlaceholderValues): string[] {
  const problem = argvTemplateProblem(argv);
  if (problem) throw new PlaceholderError(problem, values.slave, '');
  return argv.map((template) => fillOne(template, values));
}

function fillOne(template: string, values: PlaceholderValues): string {
  const filled = template.replace(PLACEHOLDER, (_, name: string) => valueOf(name, values));
  if (filled.startsWith('-') && !template.startsWith('-')) {
    const name = placeholdersIn([template])[0] ?? '';
    throw new PlaceholderError(
      `${values.slave}: {${name}} would make the argument "${excerpt(filled)}" start with "-" (an option); fix the inventory`,
      values.slave,
      name,
    );
  }
  return filled;
}

function valueOf(name: string, values: PlaceholderValues): string {
  const value = lookup(name, values);
  if (value === null || value === undefined || value === '') {
    throw new PlaceholderError(
      `${values.slave}: no value for {${name}} (${hint(name)}); nothing was run for this slave`,
      values.slave,
      name,
    );
  }
  if (value.includes('\0')) {
    throw new PlaceholderError(
      `${values.slave}: the value of {${name}} holds a NUL byte; fix the inventory`,
      values.slave,
      name,
    );
  }
  return value;
}

function lookup(name: string, values: PlaceholderValues): string | null | undefined {
  switch (name) {
    case 'slave':
      return values.slave;
    case 'host':
      return values.host;
    case 'pool':
      return values.pool ?? values.attributes.pool;
    case 'master':
      return values.master ?? values.attributes.master;
    default:
      return Object.hasOwn(values.attributes, name) ? values.attributes[name] : undefined;
  }
}

function hint(name: string): string {
  if (name === 'pool' || name === 'master') {
    return `the slave has not reported its ${name} and the inventory does not say`;
  }
  return `add the attribute "${name}" to the slave in the inventory`;
}
