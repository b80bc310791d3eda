// Which slaves a command selects: names, --file LIST, and the narrowing options every command
// shares (--match REGEX on names, --state, --master, --pool, --filter with the console's syntax),
// resolved against the collector's list so an unknown name fails before anything is done.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { compileFilter } from '../domain/filter.js';
import { slaveNameProblem } from '../domain/names.js';
import type { SlaveView } from '../domain/slave.js';
import { isSlaveState, SLAVE_STATES } from '../domain/state.js';
import { getJson, type CollectorTarget } from './collector-options.js';
import { CliError } from './errors.js';

/** The options that narrow a selection (alone, they pick from every slave). */
export interface NarrowFlags {
  match?: string;
  state?: string;
  master?: string;
  pool?: string;
  filter?: string;
}

export interface TargetFlags extends NarrowFlags {
  file?: string;
}

/** --match, --state, --master, --pool, --filter: `corral ls` and every action command. */
export function addNarrowOptions(command: Command): Command {
  return command
    .option('--match <regex>', 'slaves whose name matches this regular expression')
    .option(
      '--state <states>',
      `slaves in these states, comma-separated (${SLAVE_STATES.join(', ')})`,
    )
    .option('--master <names>', 'slaves of these masters, comma-separated (exact names)')
    .option('--pool <names>', 'slaves in these pools, comma-separated (exact names)')
    .option(
      '--filter <text>',
      "the console's filter: text anywhere in name, pool or master (any case), or /regex/",
    );
}

/** The selection options every action command shares; names are the command's arguments. */
export function addTargetOptions(command: Command): Command {
  return addNarrowOptions(
    command
      .argument('[slaves...]', 'slave names')
      .option('--file <list>', 'slaves listed in this file, one name per line (# comments)'),
  );
}

/**
 * The narrowing options as one test, or null when none was given. Each is checked here, so a bad
 * regex or state is one line before anything is asked of the collector.
 */
export function narrowing(flags: NarrowFlags): ((s: SlaveView) => boolean) | null {
  const tests: Array<(s: SlaveView) => boolean> = [];
  const match = parseMatch(flags.match);
  if (match) tests.push((s) => match.test(s.name));
  const states = parseStates(flags.state);
  if (states) tests.push((s) => states.has(s.state));
  const masters = parseNames(flags.master, '--master');
  if (masters) tests.push((s) => s.master !== null && masters.has(s.master));
  const pools = parseNames(flags.pool, '--pool');
  if (pools) tests.push((s) => s.pool !== null && pools.has(s.pool));
  if (flags.filter !== undefined) {
    const filter = compileFilter(flags.filter);
    if (!filter.ok) throw new CliError(`--filter: ${filter.error}`);
    tests.push(filter.test);
  }
  return tests.length === 0 ? null : (s) => tests.every((t) => t(s));
}

/**
 * Names and --file give the slaves; --match and --state narrow them (or, alone, pick from every
 * slave). Refuses an empty selection and any name the collector does not know.
 */
export async function selectTargets(
  target: CollectorTarget,
  names: readonly string[],
  flags: TargetFlags,
): Promise<string[]> {
  const narrow = narrowing(flags);
  const listed = [...names, ...(flags.file === undefined ? [] : await readList(flags.file))];
  if (listed.length === 0 && narrow === null) {
    throw new CliError(
      'select slaves: give names, --file LIST, --match REGEX, --state STATES, --master M, --pool P or --filter TEXT',
    );
  }
  for (const name of listed) {
    const problem = slaveNameProblem(name);
    if (problem) throw new CliError(`"${name}": ${problem}`);
  }
  const { slaves } = await getJson<{ slaves: SlaveView[] }>(target, '/api/v1/slaves');
  const byName = new Map(slaves.map((s) => [s.name, s]));
  const unknown = listed.filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    throw new CliError(
      `the collector knows no slave named ${preview(unknown)}: check the names (corral ls); nothing was done`,
    );
  }
  const base = listed.length > 0 ? [...new Set(listed)].map((n) => byName.get(n)!) : slaves;
  const chosen = narrow === null ? base : base.filter(narrow);
  if (chosen.length === 0) {
    throw new CliError('no slave matches the selection: nothing to do (corral ls shows them)');
  }
  return chosen.map((s) => s.name);
}

/** `a, b, c and 45 more` */
export function preview(names: readonly string[], shown = 5): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}

async function readList(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`--file: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
  const names: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const name = line.replace(/#.*/, '').trim();
    if (name === '') return;
    const problem = slaveNameProblem(name);
    if (problem) throw new CliError(`--file: ${file}:${i + 1}: ${problem}`);
    names.push(name);
  });
  if (names.length === 0) throw new CliError(`--file: ${file} lists no slaves`);
  return names;
}

function parseMatch(text: string | undefined): RegExp | null {
  if (text === undefined) return null;
  try {
    return new RegExp(text);
  } catch (err) {
    throw new CliError(`--match: not a regular expression: ${(err as Error).message}`);
  }
}

/** `bm05,bm06` -> the names, each checked as a name could be. */
function parseNames(text: string | undefined, option: string): Set<string> | null {
  if (text === undefined) return null;
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new CliError(`${option}: give at least one name`);
  return new Set(names);
}

function parseStates(text: string | undefined): Set<string> | null {
  if (text === undefined) return null;
  const states = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = states.find((s) => !isSlaveState(s));
  if (bad !== undefined || states.length === 0) {
    throw new CliError(`--state: unknown state "${bad ?? text}": use ${SLAVE_STATES.join(', ')}`);
  }
  return new Set(states);
}
