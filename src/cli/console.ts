// `corral console [url]`: the full-screen terminal console attached to a collector.
import type { Command } from 'commander';
import { loadConsole } from '../console/load.js';

export const DEFAULT_CONSOLE_URL = 'ws://127.0.0.1:8474';

export function register(program: Command): void {
  program
    .command('console')
    .description('Open the full-screen console on a collector (q quits, ? lists the keys)')
    .argument(
      '[url]',
      'collector address, ws:// or http:// (default: $CORRAL_URL, else ws://127.0.0.1:8474)',
    )
    .option('--token <token>', 'access token, viewer or operator (default: $CORRAL_TOKEN)')
    .action(async (url: string | undefined, opts: { token?: string }) => {
      const { runConsole } = await loadConsole();
      const token = opts.token ?? process.env.CORRAL_TOKEN;
      const code = await runConsole({
        url: url ?? process.env.CORRAL_URL ?? DEFAULT_CONSOLE_URL,
        token: token || undefined,
      });
      process.exitCode = code;
    });
}
