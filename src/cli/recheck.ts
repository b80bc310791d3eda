// `corral recheck`: re-submit the selected slaves' current state to Nagios (after a Nagios restart
// lost it), or --force an immediate check (Nagios runs `corral check`).
import type { Command } from 'commander';
import { addActionOptions, runAction, type ActionFlags } from './run-action.js';

interface RecheckFlags extends ActionFlags {
  force?: boolean;
}

export function register(program: Command): void {
  addActionOptions(
    program
      .command('recheck')
      .description("re-submit the selected slaves' state to Nagios, or --force a check")
      .option('--force', 'have Nagios run its check (corral check) now instead'),
  ).action(async (names: string[], flags: RecheckFlags) => {
    await runAction(names, flags, { kind: flags.force ? 'force-check' : 'recheck' }, (n) =>
      flags.force ? `force a check of ${n} slave(s)` : `re-submit the state of ${n} slave(s)`,
    );
  });
}
