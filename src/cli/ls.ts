// `corral ls`: the console's list for scripts and pipes: sorted worst first, as a table or JSON.
import type { Command } from 'commander';
import { formatAge } from '../domain/duration.js';
import { printable } from '../domain/printable.js';
import type { ParkView, SlaveView } from '../domain/slave.js';
import {
  addCollectorOptions,
  collectorTarget,
  getJson,
  type CollectorFlags,
} from './collector-options.js';
import type { Cause } from '../domain/causes.js';
import { summaryText } from './ls-summary.js';
import { printJson, printOut } from './output.js';
import { addNarrowOptions, narrowing, type NarrowFlags } from './targets.js';

interface LsFlags extends CollectorFlags, NarrowFlags {
  json?: boolean;
  summary?: boolean;
  parked?: boolean;
}

export function register(program: Command): void {
  addCollectorOptions(
    addNarrowOptions(
      program
        .command('ls')
        .description("list slaves worst first (the console's order), as a table or --json"),
    )
      .option('--json', "print the collector's JSON ({serverTime, slaves}) for scripts")
      .option(
        '--summary',
        'slaves per state (unhandled, handled) and the causes: many slaves of one master or pool turned bad together',
      )
      .option('--parked', 'only parked slaves (corral park), with why, whose and the review date'),
  ).action(async (flags: LsFlags) => {
    const narrow = narrowing(flags);
    const target = collectorTarget(flags);
    const body = await getJson<{ serverTime: string; slaves: SlaveView[] }>(
      target,
      '/api/v1/slaves',
    );
    const narrowed = narrow === null ? body.slaves : body.slaves.filter(narrow);
    const slaves = flags.parked ? narrowed.filter((s) => s.parked) : narrowed;
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

/** A plain table, one slave a line, times in the local zone (named in the header). */
export function table(slaves: readonly SlaveView[], serverNow: number): string {
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(serverNow)
    .find((p) => p.type === 'timeZoneName')?.value;
  // The PARKED column only when a slave shown is parked: other tables stay as they were.
  const parked = slaves.some((s) => s.parked);
  const header = [
    'STATE',
    'NAME',
    'POOL',
    'MASTER',
    'AGE',
    `LAST START (${zone ?? 'local'})`,
    ...(parked ? ['PARKED'] : []),
  ];
  // Printable before measuring: `\x9b` is four columns wide, the raw character none.
  const rows = slaves.map((s) => [
    s.state.toUpperCase(),
    s.name,
    printable(s.pool ?? '-'),
    printable(s.master ?? '-'),
    s.ageSeconds === null ? '-' : formatAge(s.ageSeconds),
    s.lastStart === null ? '-' : localTime(Date.parse(s.lastStart)),
    ...(parked ? [parkedCell(s.parked ?? null)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `review due: old 0.7 master (releng, by jdoe)`, `old 0.7 master (releng, by jdoe, review 2026-12-31)` */
function parkedCell(p: ParkView | null): string {
  if (p === null) return '-';
  const review = p.review === null || p.reviewDue ? '' : `, review ${p.review.slice(0, 10)}`;
  const text = `${p.reason} (${p.owner}, by ${p.by}${review})`;
  return printable(p.reviewDue ? `review due: ${text}` : text);
}

function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
