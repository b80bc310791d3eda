// Which slaves an action command acts on: names, --file LIST, --match REGEX, --state STATES,
// resolved against the collector's list so an unknown name fails before anything is done.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { slaveNameProblem } from '../domain/names.js';
import type { SlaveView } from '../domain/slave.js';
import { isSlaveState, SLAVE_STATES } from '../domain/state.js';
import { getJson, type CollectorTarget } from './collector-options.js';
import { CliError } from './errors.js';

export interface TargetFlags {
  match?: string;
  file?: string;
  state?: string;
}

/** The selection options every action command shares; names are the command's arguments. */
export function addTargetOptions(command: Command): Command {
  return command
    .argument('[slaves...]', 'slave names')
    .option('--match <regex>', 'slaves whose name matches this regular expression')
    .option('--file <list>', 'slaves listed in this file, one name per line (# comments)')
    .option(
      '--state <states>',
      `slaves in these states, comma-separated (${SLAVE_STATES.join(', ')})`,
    );
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
  const match = parseMatch(flags.match);
  const states = parseStates(flags.state);
  const listed = [...names, ...(flags.file === undefined ? [] : await readList(flags.file))];
  if (listed.length === 0 && match === null && states === null) {
    throw new CliError('select slaves: give names, --file LIST, --match REGEX or --state STATES');
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
  const chosen = base.filter(
    (s) => (match === null || match.test(s.name)) && (states === null || states.has(s.state)),
  );
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
