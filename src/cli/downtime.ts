// `corral downtime`: schedule a downtime on the selected slaves in Nagios, or cancel theirs.
import type { Command } from 'commander';
import { parseDuration } from '../domain/duration.js';
import { CliError } from './errors.js';
import { addActionOptions, runAction, type ActionFlags } from './run-action.js';

interface DowntimeFlags extends ActionFlags {
  for?: string;
  until?: string;
  start?: string;
  flexible?: boolean;
  comment?: string;
  cancel?: boolean;
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
      .option('--cancel', "cancel the selected slaves' downtimes (ids read from status.dat)"),
  ).action(async (names: string[], flags: DowntimeFlags) => {
    if (flags.cancel) {
      if (flags.for ?? flags.until ?? flags.start ?? flags.comment) {
        throw new CliError(
          '--cancel takes only a selection (no --for, --until, --start, --comment)',
        );
      }
      await runAction(
        names,
        flags,
        { kind: 'cancel-downtime' },
        (n) => `cancel the downtimes of ${n} slave(s)`,
      );
      return;
    }
    if (!flags.comment?.trim()) {
      throw new CliError('--comment is required: say why (it is kept in Nagios and the audit log)');
    }
    if (flags.for === undefined && flags.until === undefined) {
      throw new CliError('say how long: --for 2h (or 30d), or --until TIME');
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
    };
    const length = flags.for ?? `until ${flags.until}`;
    await runAction(
      names,
      flags,
      { kind: 'downtime', params },
      (n) => `schedule a ${flags.flexible ? 'flexible ' : ''}${length} downtime on ${n} slave(s)`,
    );
  });
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
