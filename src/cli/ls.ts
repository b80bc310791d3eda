// `corral ls`: the console's list for scripts and pipes: sorted worst first, as a table or JSON.
import type { Command } from 'commander';
import { formatAge } from '../domain/duration.js';
import { printable } from '../domain/printable.js';
import type { SlaveView } from '../domain/slave.js';
import { SLAVE_STATES, isSlaveState } from '../domain/state.js';
import {
  addCollectorOptions,
  collectorTarget,
  getJson,
  type CollectorFlags,
} from './collector-options.js';
import type { Cause } from '../domain/causes.js';
import { CliError } from './errors.js';
import { summaryText } from './ls-summary.js';
import { printJson, printOut } from './output.js';

interface LsFlags extends CollectorFlags {
  state?: string;
  match?: string;
  json?: boolean;
  summary?: boolean;
}

export function register(program: Command): void {
  addCollectorOptions(
    program
      .command('ls')
      .description("list slaves worst first (the console's order), as a table or --json")
      .option('--state <states>', `only these states, comma-separated (${SLAVE_STATES.join(', ')})`)
      .option('--match <regex>', 'only slaves whose name matches this regular expression')
      .option('--json', "print the collector's JSON ({serverTime, slaves}) for scripts")
      .option(
        '--summary',
        'slaves per state (unhandled, handled) and the causes: many slaves of one master or pool turned bad together',
      ),
  ).action(async (flags: LsFlags) => {
    const states = parseStates(flags.state);
    const match = parseMatch(flags.match);
    const target = collectorTarget(flags);
    const query = states ? `?state=${states.join(',')}` : '';
    const body = await getJson<{ serverTime: string; slaves: SlaveView[] }>(
      target,
      `/api/v1/slaves${query}`,
    );
    const slaves = match ? body.slaves.filter((s) => match.test(s.name)) : body.slaves;
    if (flags.summary) return printSummary(target, slaves, flags.json === true);
    if (flags.json) {
      printJson({ serverTime: body.serverTime, slaves });
    } else {
      printOut(table(slaves, Date.parse(body.serverTime)));
    }
  });
}

async function printSummary(
  target: ReturnType<typeof collectorTarget>,
  slaves: SlaveView[],
  json: boolean,
): Promise<void> {
  const { causes } = await getJson<{ causes: Cause[] }>(target, '/api/v1/causes');
  if (json) printJson({ causes });
  else printOut(summaryText(slaves, causes));
}

function parseStates(text: string | undefined): string[] | null {
  if (text === undefined) return null;
  const states = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = states.filter((s) => !isSlaveState(s));
  if (unknown.length > 0 || states.length === 0) {
    throw new CliError(
      `--state: unknown state "${unknown[0] ?? text}": use ${SLAVE_STATES.join(', ')}`,
    );
  }
  return states;
}

function parseMatch(text: string | undefined): RegExp | null {
  if (text === undefined) return null;
  try {
    return new RegExp(text);
  } catch (err) {
    throw new CliError(`--match: not a regular expression: ${(err as Error).message}`);
  }
}

/** A plain table, one slave a line, times in the local zone (named in the header). */
export function table(slaves: readonly SlaveView[], serverNow: number): string {
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(serverNow)
    .find((p) => p.type === 'timeZoneName')?.value;
  const header = ['STATE', 'NAME', 'POOL', 'MASTER', 'AGE', `LAST START (${zone ?? 'local'})`];
  // Printable before measuring: `\x9b` is four columns wide, the raw character none.
  const rows = slaves.map((s) => [
    s.state.toUpperCase(),
    s.name,
    printable(s.pool ?? '-'),
    printable(s.master ?? '-'),
    s.ageSeconds === null ? '-' : formatAge(s.ageSeconds),
    s.lastStart === null ? '-' : localTime(Date.parse(s.lastStart)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
