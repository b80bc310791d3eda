// The flow every action command shares: select the slaves, ask the collector for a dry run (what
// the targets already have, whose and until when, and which it skips), show them, confirm (or
// --yes), send the request through the collector (so it is audited), print each failure and a
// one-line summary that says so when the action did nothing.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { formatDuration } from '../domain/duration.js';
import { RECORDED_ONLY } from '../domain/park.js';
import type {
  ActionKind,
  ActionRequest,
  ActionTargetView,
  ActionView,
  DryRunView,
  ExistingMute,
} from '../domain/protocol.js';
import {
  addCollectorOptions,
  collectorTarget,
  errorOf,
  getJson,
  send,
  type CollectorFlags,
  type CollectorTarget,
} from './collector-options.js';
import { CliError } from './errors.js';
import { printErr, printOut, printableLines } from './output.js';
import { addTargetOptions, preview, selectTargets, type TargetFlags } from './targets.js';

export interface ActionFlags extends TargetFlags, CollectorFlags {
  dryRun?: boolean;
  yes?: boolean;
  wait?: boolean;
}

/** Selection, collector, --dry-run, --yes and --wait options for an action command. */
export function addActionOptions(command: Command): Command {
  return addCollectorOptions(
    addTargetOptions(command)
      .option('--dry-run', 'print the exact Nagios commands, do nothing')
      .option('-y, --yes', 'do not ask for confirmation (needed without a terminal)')
      .option('--wait', 'wait until Nagios shows every target done (or the collector gives up)'),
  );
}

const FAILURES_SHOWN = 20;

/**
 * Runs one action request; sets a non-zero exit code when any target failed or nothing was done.
 * `slaves` overrides the selection (a cancel limited to one action takes that action's slaves).
 */
export async function runAction(
  names: readonly string[],
  flags: ActionFlags,
  request: Omit<ActionRequest, 'targets' | 'dryRun'>,
  describe: (count: number) => string,
  slaves?: string[],
): Promise<void> {
  const target = collectorTarget(flags);
  const targets = slaves ?? (await selectTargets(target, names, flags));
  const dry = await post<DryRunView>(target, { ...request, targets, dryRun: true });
  const notes = [
    ...existingNotes(request.kind, dry.existing, request.params?.skipMuted),
    ...skippedNotes(dry.targets),
  ];
  if (flags.dryRun) {
    printErr(`dry run: ${dry.summary}`);
    for (const line of notes) printErr(line);
    for (const line of dry.lines) printOut(line);
    reportFailures(dry.targets);
    return;
  }
  const what = [`${describe(targets.length)}: ${preview(targets)}`, ...notes].join('\n');
  if (dry.targets.every((t) => t.status === 'skipped')) {
    throw new CliError(`${what}\nnothing to do: every slave is skipped`);
  }
  if (!flags.yes) await confirm(what);
  else printErr(what);
  const { action } = await post<{ action: ActionView }>(target, { ...request, targets });
  const final = flags.wait ? await waitForAction(target, action) : action;
  report(final);
}

/**
 * What the targets already have, grouped: `2 already in alice's downtime until 2026-12-25 06:12
 * CET (slow pool): a, b`; for a cancel, what it removes.
 */
export function existingNotes(
  kind: ActionKind,
  existing: readonly ExistingMute[],
  skipping = false,
): string[] {
  const groups = new Map<string, string[]>();
  for (const e of existing) {
    const phrase = cancelPhrase(kind, e) ?? `already ${statePhrase(e)}`;
    if (phrase === '') continue;
    groups.set(phrase, [...(groups.get(phrase) ?? []), e.slave]);
  }
  const notes = [...groups].map(
    ([phrase, slaves]) => `${slaves.length} ${phrase}: ${preview(slaves)}`,
  );
  const muted = existing.some((e) => e.kind !== 'reboot');
  if ((kind === 'downtime' || kind === 'ack') && muted && !skipping) {
    notes.push('(--skip-muted leaves out the slaves already muted)');
  }
  return notes;
}

/** What a cancel or an undo removes (`removes alice's downtime until ...`), '' for what it leaves alone. */
function cancelPhrase(kind: ActionKind, e: ExistingMute): string | null {
  // An unpark cancels the park's downtimes (the dry run lists exactly those).
  if (kind === 'cancel-downtime' || kind === 'unpark') {
    return e.kind === 'downtime'
      ? `removes ${e.by}'s downtime until ${localTime(e.end)}${because(e.comment)}`
      : '';
  }
  if (kind === 'undo') {
    if (e.kind === 'downtime') {
      return `removes ${e.by}'s downtime until ${localTime(e.end)}${because(e.comment)}`;
    }
    if (e.kind === 'acknowledgement')
      return `removes ${e.by}'s acknowledgement${because(e.comment)}`;
    return `stops ${e.by}'s reboot (action ${e.actionId})`;
  }
  if (kind === 'cancel-reboot') {
    return e.kind === 'reboot' ? `stops ${e.by}'s reboot (action ${e.actionId})` : '';
  }
  return null;
}

function statePhrase(e: ExistingMute): string {
  switch (e.kind) {
    case 'downtime':
      return `in ${e.by}'s downtime until ${localTime(e.end)}${because(e.comment)}`;
    case 'acknowledgement':
      return `acknowledged by ${e.by}${because(e.comment)}`;
    case 'reboot':
      return e.phase === 'rebooting'
        ? `being rebooted by ${e.by} (action ${e.actionId})`
        : `needing hands after ${e.by}'s reboot (action ${e.actionId})`;
  }
}

const because = (comment: string) => (comment === '' ? '' : ` (${comment})`);

/** `3 skipped: already muted: in alice's downtime ...: a, b, c`, one line per reason. */
export function skippedNotes(targets: readonly ActionTargetView[]): string[] {
  const groups = new Map<string, string[]>();
  for (const t of targets) {
    if (t.status !== 'skipped') continue;
    const why = t.error ?? 'skipped';
    groups.set(why, [...(groups.get(why) ?? []), t.slave]);
  }
  return [...groups].map(
    ([why, slaves]) => `${slaves.length} skipped (${why}): ${preview(slaves)}`,
  );
}

export async function confirm(what: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new CliError(`${what}\nnot asking without a terminal: add --yes to act`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${printableLines(what)}\nProceed? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('nothing was done', 1);
  } finally {
    rl.close();
  }
}

export async function post<T>(target: CollectorTarget, body: ActionRequest): Promise<T> {
  const { status, text } = await send(target, '/api/v1/actions', {
    method: 'POST',
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  if (status < 200 || status >= 300) {
    throw new CliError(
      `the collector refused the action (${status}): ${errorOf(text) || `HTTP ${status}`}`,
    );
  }
  return JSON.parse(text) as T;
}

async function waitForAction(target: CollectorTarget, action: ActionView): Promise<ActionView> {
  let current = action;
  while (current.finishedAt === null) {
    await new Promise((r) => setTimeout(r, 1000));
    current = (await getJson<{ action: ActionView }>(target, `/api/v1/actions/${action.id}`))
      .action;
  }
  return current;
}

function report(action: ActionView): void {
  reportFailures(action.targets);
  const c = action.counts;
  const parts = [
    action.outcome === 'nothing' ? 'nothing was done' : '',
    c.confirmed > 0
      ? `${c.confirmed} ${action.summary.endsWith(RECORDED_ONLY) ? 'recorded' : 'confirmed by Nagios'}`
      : '',
    c.sent > 0 ? `${c.sent} sent to Nagios` : '',
    c.unconfirmed > 0 ? `${c.unconfirmed} not confirmed by Nagios` : '',
    c.failed > 0 ? `${c.failed} failed` : '',
    c.skipped > 0 ? `${c.skipped} skipped` : '',
  ].filter(Boolean);
  printOut(`${action.summary} (action ${action.id}): ${parts.join(', ')}`);
  if (action.outcome === 'nothing') process.exitCode = 1;
  const { start, end, fixed, durationSeconds } = action.params;
  if (action.kind === 'downtime' && start && end) {
    const lasting =
      fixed === false ? `, lasting ${formatDuration(durationSeconds ?? 0)} once it starts` : '';
    printOut(`  from ${localTime(start)} until ${localTime(end)}${lasting}`);
  }
  if (c.failed > 0 || c.unconfirmed > 0) process.exitCode = 1;
}

/** `2026-11-25 18:00 CET`: the operator's local zone, named (the API keeps UTC). */
export function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((x) => x.type === 'timeZoneName')?.value;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())} ${zone ?? ''}`.trimEnd();
}

export function reportFailures(
  targets: ReadonlyArray<{ slave: string; error: string | null; status: string }>,
) {
  const failed = targets.filter((t) => t.status === 'failed' || t.status === 'unconfirmed');
  for (const t of failed.slice(0, FAILURES_SHOWN)) {
    printErr(`${t.slave}: ${t.error ?? t.status}`);
  }
  if (failed.length > FAILURES_SHOWN) {
    printErr(`... and ${failed.length - FAILURES_SHOWN} more failed`);
  }
  if (failed.length > 0) process.exitCode = 1;
}
