// `corral unpark`: the selected slaves are parked no more: their park's downtimes are cancelled
// (only those, not other downtimes on them) and the park is forgotten.
import type { Command } from 'commander';
import { addActionOptions, runAction, type ActionFlags } from './run-action.js';

export function register(program: Command): void {
  addActionOptions(
    program
      .command('unpark')
      .description("unpark the selected slaves: cancel their park's downtimes, forget the park"),
  ).action(async (names: string[], flags: ActionFlags) => {
    await runAction(names, flags, { kind: 'unpark' }, (n) => `unpark ${n} slave(s)`);
  });
}
