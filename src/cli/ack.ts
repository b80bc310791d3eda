// `corral ack`: acknowledge the selected slaves' problems in Nagios (sticky), or --remove it.
import type { Command } from 'commander';
import { CliError } from './errors.js';
import { addActionOptions, runAction, type ActionFlags } from './run-action.js';

interface AckFlags extends ActionFlags {
  comment?: string;
  remove?: boolean;
  sticky?: boolean;
  skipMuted?: boolean;
  reacknowledge?: boolean;
}

export function register(program: Command): void {
  addActionOptions(
    program
      .command('ack')
      .description("acknowledge the selected slaves' problems in Nagios, or --remove it")
      .option('--comment <text>', 'why (required): kept in Nagios and the audit log')
      .option('--no-sticky', 'end the acknowledgement at the next state change, not only at OK')
      .option('--skip-muted', 'leave out slaves already in a downtime or acknowledged')
      .option(
        '--reacknowledge',
        'take over acknowledgements other operators made (they are skipped otherwise)',
      )
      .option('--remove', 'remove the acknowledgement instead'),
  ).action(async (names: string[], flags: AckFlags) => {
    if (flags.remove) {
      if (flags.comment ?? flags.skipMuted ?? flags.reacknowledge) {
        throw new CliError('--remove takes no --comment, --skip-muted or --reacknowledge');
      }
      await runAction(
        names,
        flags,
        { kind: 'remove-ack' },
        (n) => `remove the acknowledgement of ${n} slave(s)`,
      );
      return;
    }
    if (!flags.comment?.trim()) {
      throw new CliError('--comment is required: say why (it is kept in Nagios and the audit log)');
    }
    await runAction(
      names,
      flags,
      {
        kind: 'ack',
        params: {
          comment: flags.comment,
          sticky: flags.sticky !== false,
          ...(flags.skipMuted ? { skipMuted: true } : {}),
          ...(flags.reacknowledge ? { reacknowledge: true } : {}),
        },
      },
      (n) => `acknowledge ${n} slave(s)`,
    );
  });
}
