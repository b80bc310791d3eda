// `corral simulate`: a fleet that sends real heartbeats over HTTP, for demos and load.
import type { Command } from 'commander';
import { addCollectorOptions, collectorTarget, type CollectorFlags } from './collector-options.js';
import { CliError } from './errors.js';
import { printErr } from './output.js';

interface SimulateFlags extends CollectorFlags {
  slaves: string;
  speed: string;
  seed: string;
  inventory?: string;
  historyOnly?: boolean;
}

export function register(program: Command): void {
  addCollectorOptions(
    program
      .command('simulate')
      .description(
        'a make-believe farm sending real heartbeats: most cycle, some hang, idle or report critical',
      )
      .option('--slaves <n>', 'how many slaves', '300')
      .option('--speed <x>', 'run the farm x times faster than real time (ages stay real)', '1')
      .option('--seed <n>', 'the same seed makes the same farm', '42')
      .option(
        '--inventory <file>',
        'write the farm as an inventory file for the collector (incl. silent slaves)',
      )
      .option('--history-only', "send the farm's past and stop"),
  ).action(async (flags: SimulateFlags) => {
    const slaves = positive(flags.slaves, '--slaves');
    const speed = positive(flags.speed, '--speed');
    const seed = positive(flags.seed, '--seed');
    const target = collectorTarget(flags);
    const { simulate, SimulateError } = await import('../simulator/simulate.js');
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    const run = simulate({
      url: target.url,
      token: target.token,
      ca: target.ca,
      slaves,
      speed,
      seed,
      inventoryFile: flags.inventory,
      historyOnly: flags.historyOnly,
      signal: controller.signal,
      say: printErr,
    });
    await run.catch((err: unknown) => {
      throw err instanceof SimulateError ? new CliError(err.message) : err;
    });
  });
}

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new CliError(`${flag} must be a positive number (got "${text}")`);
  return n;
}
