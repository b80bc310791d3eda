// `corral park`: park the selected slaves (idle on purpose): recorded by corral and kept muted in
// the monitoring system until `corral unpark`.
import type { Command } from 'commander';
import { addActionOptions, runAction, type ActionFlags } from './run-action.js';

interface ParkFlags extends ActionFlags {
  reason?: string;
  owner?: string;
  review?: string;
  ticket?: string;
}

export function register(program: Command): void {
  addActionOptions(
    program
      .command('park')
      .description(
        'park the selected slaves: recorded, and kept muted (a downtime corral renews) until unparked',
      )
      .option('--reason <text>', 'why they are parked (required): shown beside them, audited')
      .option('--owner <name>', 'who owns them while parked (default: you)')
      .option('--review <when>', 'when to look again: 30d from now, or a date (2026-12-31, UTC)')
      .option('--ticket <url>', 'the ticket that tracks them'),
  ).action(async (names: string[], flags: ParkFlags) => {
    // The collector checks every field (one line for a bad one), so the rule lives in one place.
    const params = {
      reason: flags.reason ?? '',
      ...(flags.owner === undefined ? {} : { owner: flags.owner }),
      ...(flags.review === undefined ? {} : { review: flags.review }),
      ...(flags.ticket === undefined ? {} : { ticket: flags.ticket }),
    };
    await runAction(names, flags, { kind: 'park', params }, (n) => `park ${n} slave(s)`);
  });
}
