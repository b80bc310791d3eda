// `corral undo ACTION_ID`: take back what an audited action did (a downtime action's own
// downtimes, its acknowledgements, the reboots not yet run), dry run and confirmation first.
import type { Command } from 'commander';
import type { ActionView } from '../domain/protocol.js';
import { addCollectorOptions, collectorTarget, errorOf, send } from './collector-options.js';
import { CliError } from './errors.js';
import { runAction, type ActionFlags } from './run-action.js';

export function register(program: Command): void {
  addCollectorOptions(
    program
      .command('undo')
      .description('undo an action from the audit log: only what it did, on its own slaves')
      .argument(
        '<action-id>',
        'the action to undo, as the audit log numbers it (GET /api/v1/actions)',
      )
      .option('--dry-run', 'print the exact Nagios commands, do nothing')
      .option('-y, --yes', 'do not ask for confirmation (needed without a terminal)')
      .option('--wait', 'wait until Nagios shows every target done (or the collector gives up)'),
  ).action(async (id: string, flags: ActionFlags) => {
    if (!/^[1-9][0-9]{0,15}$/.test(id)) {
      throw new CliError(
        `"${id.slice(0, 40)}" is not an action number: give the id the audit log shows`,
      );
    }
    const actionId = Number(id);
    const target = collectorTarget(flags);
    const undone = await actionOf(target, actionId);
    await runAction(
      [],
      flags,
      { kind: 'undo', params: { actionId } },
      (n) => `undo action ${actionId} (${undone.summary}) on ${n} slave(s)`,
      undone.targets.map((t) => t.slave),
    );
  });
}

/** The action from the audit log; one line when there is none. */
async function actionOf(
  target: ReturnType<typeof collectorTarget>,
  id: number,
): Promise<ActionView> {
  const { status, text } = await send(target, `/api/v1/actions/${id}`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (status === 404)
    throw new CliError(`there is no action ${id} in the audit log: nothing was done`);
  if (status < 200 || status >= 300) {
    throw new CliError(`the collector at ${target.url} answered ${status}: ${errorOf(text)}`);
  }
  return (JSON.parse(text) as { action: ActionView }).action;
}
