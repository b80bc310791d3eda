// `corral console [url]`: the full-screen terminal console attached to a collector.
import type { Command } from 'commander';
import { loadConsole } from '../console/load.js';
import { addCredentialOptions, credentials, type CollectorFlags } from './collector-options.js';
import { CliError } from './errors.js';

export const DEFAULT_CONSOLE_URL = 'ws://127.0.0.1:8474';

export function register(program: Command): void {
  addCredentialOptions(
    program
      .command('console')
      .description('Open the full-screen console on a collector (q quits, ? lists the keys)')
      .argument(
        '[url]',
        'collector address, ws://, wss://, http:// or https://, or several comma-separated to move between (default: $CORRAL_URL, else ws://127.0.0.1:8474)',
      )
      .option('--collector <url[,url...]>', 'the same as [url], as the other commands take it'),
  ).action(async (url: string | undefined, opts: CollectorFlags) => {
    if (url !== undefined && opts.collector !== undefined) {
      throw new CliError('give the collector as [url] or --collector, not both');
    }
    const trust = credentials(opts);
    const { runConsole } = await loadConsole();
    const given = url ?? opts.collector;
    process.exitCode = await runConsole({
      url: given ?? process.env.CORRAL_URL ?? DEFAULT_CONSOLE_URL,
      urlSource:
        opts.collector !== undefined
          ? '--collector'
          : given === undefined && process.env.CORRAL_URL
            ? 'CORRAL_URL'
            : 'the collector address',
      ...trust,
    });
  });
}
