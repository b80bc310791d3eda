// `corral reboot`: reboot the selected slaves through the collector's reboot methods, follow each
// until its next buildbot start (or needs hands), and exit non-zero if any did not come back.
import type { Command } from 'commander';
import type { ActionTargetView, ActionView, DryRunView } from '../domain/protocol.js';
import {
  addCollectorOptions,
  collectorTarget,
  getJson,
  type CollectorFlags,
  type CollectorTarget,
} from './collector-options.js';
import { CliError } from './errors.js';
import { printErr, printOut } from './output.js';
import { confirm, existingNotes, post, reportFailures, skippedNotes } from './run-action.js';
import { addTargetOptions, preview, selectTargets, type TargetFlags } from './targets.js';

interface RebootFlags extends TargetFlags, CollectorFlags {
  dryRun?: boolean;
  yes?: boolean;
  includeMuted?: boolean;
  cancel?: boolean;
  wait?: boolean;
  downtimeUntilBack?: boolean;
  for?: string;
  comment?: string;
}

const POLL_MS = 1000;
/** Statuses a reboot's target ends in. */
const SETTLED = new Set(['back', 'needs-hands', 'cancelled', 'skipped', 'failed']);

export function register(program: Command): void {
  addCollectorOptions(
    addTargetOptions(
      program
        .command('reboot')
        .description(
          'reboot the selected slaves through the configured methods (ssh, IPMI, PDU, ...), each until its next buildbot start',
        ),
    )
      .option('--dry-run', 'print each command exactly as it would run, do nothing')
      .option('-y, --yes', 'do not ask for confirmation (needed without a terminal)')
      .option('--include-muted', 'reboot slaves in a Nagios downtime or acknowledged too')
      .option(
        '--downtime-until-back',
        'first schedule a downtime on the slaves it reboots that ends when each is back (a start)',
      )
      .option('--for <duration>', 'with --downtime-until-back: the longest it lasts (default 7d)')
      .option('--comment <text>', "with --downtime-until-back: the downtime's comment")
      .option('--cancel', "cancel the selected slaves' reboots (stops running commands)")
      .option('--no-wait', 'return once the reboot is under way; do not follow it'),
  ).action(async (names: string[], flags: RebootFlags) => {
    const target = collectorTarget(flags);
    const slaves = await selectTargets(target, names, flags);
    if (flags.cancel) {
      if (flags.includeMuted || flags.downtimeUntilBack) {
        throw new CliError('--cancel takes no --include-muted or --downtime-until-back');
      }
      await cancel(target, slaves, flags);
      return;
    }
    if (!flags.downtimeUntilBack && (flags.for !== undefined || flags.comment !== undefined)) {
      throw new CliError('--for and --comment describe the downtime: add --downtime-until-back');
    }
    const request = {
      kind: 'reboot' as const,
      targets: slaves,
      params: {
        ...(flags.includeMuted ? { includeMuted: true } : {}),
        ...(flags.downtimeUntilBack ? { downtimeUntilBack: true } : {}),
        ...(flags.for === undefined ? {} : { duration: flags.for }),
        ...(flags.comment === undefined ? {} : { comment: flags.comment }),
      },
    };
    const dry = await post<DryRunView>(target, { ...request, dryRun: true });
    if (flags.dryRun) {
      printErr(`dry run: ${dry.summary}`);
      for (const line of dry.lines) printOut(line);
      reportFailures(dry.targets);
      return;
    }
    const downtime = flags.downtimeUntilBack
      ? `, each first in a downtime until it is back (at most ${flags.for ?? '7d'})`
      : '';
    const what = [
      `reboot ${slaves.length} slave(s)${downtime}: ${preview(slaves)}`,
      ...skippedNotes(dry.targets),
      ...failingNotes(dry.targets),
    ].join('\n');
    if (dry.targets.every((t) => t.status !== 'pending')) {
      throw new CliError(`${what}\nnothing to reboot`);
    }
    if (!flags.yes) await confirm(what);
    else printErr(what);
    const { action } = await post<{ action: ActionView }>(target, request);
    printErr(`${action.summary} (action ${action.id})`);
    if (flags.wait === false) return;
    const final = await follow(target, action);
    report(final);
  });
}

/** `1 fails (talos-1: no value for {mgmt_host} ...)` */
function failingNotes(targets: readonly ActionTargetView[]): string[] {
  const failing = targets.filter((t) => t.status === 'failed');
  return failing.length === 0
    ? []
    : [`${failing.length} fail (${failing[0]!.slave}: ${failing[0]!.error})`];
}

/**
 * Polls the action until every slave settled, printing each as it does. Ctrl-C cancels the
 * reboots still under way (and waits for the collector to record it); a second Ctrl-C leaves.
 */
async function follow(target: CollectorTarget, start: ActionView): Promise<ActionView> {
  const printed = new Set<string>();
  const show = (a: ActionView) => {
    for (const t of a.targets) {
      if (!SETTLED.has(t.status) || printed.has(t.slave)) continue;
      printed.add(t.slave);
      printErr(`${t.slave}: ${t.status}${t.error ? ` (${t.error})` : ''}`);
    }
  };
  let current = start;
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('cancelling the reboots still under way (Ctrl-C again to leave)\n');
    const open = current.targets.filter((t) => !SETTLED.has(t.status)).map((t) => t.slave);
    if (open.length > 0) {
      post(target, { kind: 'cancel-reboot', targets: open }).catch((err: Error) => {
        printErr(`could not cancel: ${err.message}`);
      });
    }
  };
  process.on('SIGINT', onInterrupt);
  try {
    show(current);
    while (current.finishedAt === null) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      current = (await getJson<{ action: ActionView }>(target, `/api/v1/actions/${start.id}`))
        .action;
      show(current);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  return current;
}

function report(action: ActionView): void {
  const c = action.counts;
  const parts = [
    c.back > 0 ? `${c.back} back` : '',
    c['needs-hands'] > 0 ? `${c['needs-hands']} need hands` : '',
    c.cancelled > 0 ? `${c.cancelled} cancelled` : '',
    c.failed > 0 ? `${c.failed} failed` : '',
    c.skipped > 0 ? `${c.skipped} skipped` : '',
  ].filter(Boolean);
  const nothing = action.outcome === 'nothing' ? 'nothing was done, ' : '';
  printOut(`${action.summary} (action ${action.id}): ${nothing}${parts.join(', ')}`);
  if (action.cancelledBy !== null) printOut(`  cancelled by ${action.cancelledBy}`);
  const notBack = c['needs-hands'] + c.cancelled + c.failed;
  if (notBack > 0) process.exitCode = 1;
}

async function cancel(target: CollectorTarget, slaves: string[], flags: RebootFlags) {
  const request = { kind: 'cancel-reboot' as const, targets: slaves };
  const dry = await post<DryRunView>(target, { ...request, dryRun: true });
  const whose = existingNotes('cancel-reboot', dry.existing);
  if (flags.dryRun) {
    for (const line of whose) printErr(line);
    for (const line of dry.lines) printOut(line);
    return;
  }
  const what = [
    `cancel the reboots of ${slaves.length} slave(s): ${preview(slaves)}`,
    ...whose,
  ].join('\n');
  if (!flags.yes) await confirm(what);
  const { action } = await post<{ action: ActionView }>(target, request);
  const skipped = action.counts.skipped;
  printOut(
    `${action.summary} (action ${action.id}): ${action.counts.cancelled} cancelled${skipped > 0 ? `, ${skipped} not rebooting` : ''}`,
  );
}
