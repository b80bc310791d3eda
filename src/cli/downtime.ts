// `corral downtime`: schedule a downtime on the selected slaves in Nagios, or cancel theirs.
import type { Command } from 'commander';
import { parseDuration } from '../domain/duration.js';
import type { ActionView } from '../domain/protocol.js';
import { collectorTarget, getJson, type CollectorTarget } from './collector-options.js';
import { CliError } from './errors.js';
import { addActionOptions, runAction, type ActionFlags } from './run-action.js';
import { narrowing } from './targets.js';

interface DowntimeFlags extends ActionFlags {
  for?: string;
  until?: string;
  start?: string;
  flexible?: boolean;
  comment?: string;
  cancel?: boolean;
  skipMuted?: boolean;
  author?: string;
  action?: string;
  untilBack?: boolean;
  extend?: string;
  extendTo?: string;
}

export function register(program: Command): void {
  addActionOptions(
    program
      .command('downtime')
      .description('schedule a Nagios downtime on the selected slaves (or --cancel theirs)')
      .option('--for <duration>', 'how long: 90m, 2h, 30d (exact seconds, whatever DST does)')
      .option('--until <time>', 'when it ends: ISO 8601, or "YYYY-MM-DD HH:MM" in your local zone')
      .option('--start <time>', 'when it starts (default: now); same forms as --until')
      .option('--flexible', 'starts when the slave goes non-OK within the window, lasts --for')
      .option('--comment <text>', 'why (required): kept in Nagios and the audit log')
      .option('--skip-muted', 'leave out slaves already in a downtime or acknowledged')
      .option(
        '--until-back',
        "ends when the slave's next buildbot start arrives; --for/--until bound it (default 7d)",
      )
      .option(
        '--extend <duration>',
        "move the end of the selected slaves' downtimes: 7d later, or -2h to shorten",
      )
      .option('--extend-to <time>', "move the end of the selected slaves' downtimes to this time")
      .option('--cancel', "cancel the selected slaves' downtimes (ids read from status.dat)")
      .option('--author <name>', "with --cancel: only this operator's downtimes")
      .option(
        '--action <id>',
        'with --cancel, --extend, --extend-to: only the downtimes this downtime action made (its slaves, unless selected)',
      ),
  ).action(async (names: string[], flags: DowntimeFlags) => {
    if (flags.cancel && (flags.extend ?? flags.extendTo) !== undefined) {
      throw new CliError('give one of --cancel, --extend and --extend-to');
    }
    if (flags.cancel) {
      await cancel(names, flags);
      return;
    }
    if (flags.extend !== undefined || flags.extendTo !== undefined) {
      await extend(names, flags);
      return;
    }
    if (flags.author !== undefined || flags.action !== undefined) {
      throw new CliError('--author and --action limit a --cancel or an --extend: add one');
    }
    if (!flags.comment?.trim()) {
      throw new CliError('--comment is required: say why (it is kept in Nagios and the audit log)');
    }
    if (flags.for === undefined && flags.until === undefined && !flags.untilBack) {
      throw new CliError('say how long: --for 2h (or 30d), --until TIME, or --until-back');
    }
    if (flags.for !== undefined && parseDuration(flags.for) === null) {
      throw new CliError(`--for: "${flags.for}" is not a duration: write e.g. 90m, 2h, 30d`);
    }
    const params = {
      comment: flags.comment,
      ...(flags.for === undefined ? {} : { duration: flags.for }),
      ...(flags.until === undefined ? {} : { until: zonedTime(flags.until, '--until') }),
      ...(flags.start === undefined ? {} : { start: zonedTime(flags.start, '--start') }),
      ...(flags.flexible ? { flexible: true } : {}),
      ...(flags.skipMuted ? { skipMuted: true } : {}),
      ...(flags.untilBack ? { untilBack: true } : {}),
    };
    const length = flags.for ?? (flags.until === undefined ? '7d' : `until ${flags.until}`);
    const kind = flags.untilBack
      ? `downtime that ends when each is back (at most ${length})`
      : `${length} downtime`;
    await runAction(
      names,
      flags,
      { kind: 'downtime', params },
      (n) => `schedule a ${flags.flexible ? 'flexible ' : ''}${kind} on ${n} slave(s)`,
    );
  });
}

/** Moves the end of the selected slaves' downtimes (all, one operator's, or one action's). */
async function extend(names: string[], flags: DowntimeFlags): Promise<void> {
  if (flags.extend !== undefined && flags.extendTo !== undefined) {
    throw new CliError('give one of --extend (by how long) and --extend-to (the new end)');
  }
  if (
    flags.for ??
    flags.until ??
    flags.start ??
    flags.comment ??
    flags.skipMuted ??
    flags.untilBack
  ) {
    throw new CliError(
      '--extend and --extend-to take a selection, --author and --action (no --for, --until, --start, --comment, --skip-muted, --until-back)',
    );
  }
  const by = flags.extend?.trim();
  if (by !== undefined && parseDuration(by.replace(/^[-+]/, '')) === null) {
    throw new CliError(
      `--extend: "${by}" is not a duration: write e.g. 7d to extend, -2h to shorten`,
    );
  }
  const actionId = flags.action === undefined ? undefined : parseActionId(flags.action);
  const params = {
    ...(by === undefined ? {} : { extend: by }),
    ...(flags.extendTo === undefined ? {} : { until: zonedTime(flags.extendTo, '--extend-to') }),
    ...(flags.author === undefined ? {} : { author: flags.author }),
    ...(actionId === undefined ? {} : { actionId }),
  };
  const selected = names.length > 0 || flags.file !== undefined || narrowing(flags) !== null;
  const slaves =
    actionId !== undefined && !selected
      ? await slavesOf(collectorTarget(flags), actionId)
      : undefined;
  const how =
    by === undefined
      ? `move the end of the downtimes of {n} slave(s) to ${flags.extendTo}`
      : `${by.startsWith('-') ? 'shorten' : 'extend'} the downtimes of {n} slave(s) by ${by.replace(/^[-+]/, '')}`;
  await runAction(
    names,
    flags,
    { kind: 'extend-downtime', params },
    (n) => how.replace('{n}', String(n)),
    slaves,
  );
}

/** Cancels downtimes: all of the selection's, or one operator's, or one action's. */
async function cancel(names: string[], flags: DowntimeFlags): Promise<void> {
  if (flags.for ?? flags.until ?? flags.start ?? flags.comment ?? flags.skipMuted) {
    throw new CliError(
      '--cancel takes a selection, --author and --action (no --for, --until, --start, --comment, --skip-muted)',
    );
  }
  const actionId = flags.action === undefined ? undefined : parseActionId(flags.action);
  const params = {
    ...(flags.author === undefined ? {} : { author: flags.author }),
    ...(actionId === undefined ? {} : { actionId }),
  };
  const selected = names.length > 0 || flags.file !== undefined || narrowing(flags) !== null;
  const slaves =
    actionId !== undefined && !selected
      ? await slavesOf(collectorTarget(flags), actionId)
      : undefined;
  const whose = [
    flags.author === undefined ? '' : ` by ${flags.author}`,
    actionId === undefined ? '' : ` of action ${actionId}`,
  ].join('');
  await runAction(
    names,
    flags,
    { kind: 'cancel-downtime', params },
    (n) => `cancel the downtimes${whose} of ${n} slave(s)`,
    slaves,
  );
}

function parseActionId(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(id) || id < 1) {
    throw new CliError(
      `--action: "${text}" is not an action number (corral's audit log numbers them)`,
    );
  }
  return id;
}

/** The slaves a downtime action named: what `--cancel --action ID` acts on when nothing is selected. */
async function slavesOf(target: CollectorTarget, id: number): Promise<string[]> {
  const { action } = await getJson<{ action: ActionView }>(target, `/api/v1/actions/${id}`);
  if (action.kind !== 'downtime') {
    throw new CliError(
      `--action: action ${id} is a ${action.kind}, not a downtime: give the id of the downtime action whose downtimes you mean`,
    );
  }
  return action.targets.map((t) => t.slave);
}

const ZONED = /(Z|[+-]\d{2}:\d{2})$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** ISO 8601 with a zone as given; a time without a zone is read in the operator's local zone. */
export function zonedTime(text: string, option: string): string {
  const t = text.trim();
  if (t === 'now') return t;
  if (ZONED.test(t) && !Number.isNaN(Date.parse(t))) return t;
  const m = LOCAL.exec(t);
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
    const local = new Date(y!, mo! - 1, d!, h!, mi!, s!);
    if (local.getMonth() === mo! - 1 && local.getDate() === d!) return local.toISOString();
  }
  throw new CliError(
    `${option}: "${text}" is not a time: write 2026-11-25T18:00:00Z, or 2026-11-25 18:00 for your local zone`,
  );
}
