// `corral console [url]`: the full-screen terminal console attached to a collector.
import type { Command } from 'commander';
import { loadConsole } from '../console/load.js';
import { addCredentialOptions, credentials, type CredentialFlags } from './collector-options.js';

export const DEFAULT_CONSOLE_URL = 'ws://127.0.0.1:8474';

export function register(program: Command): void {
  addCredentialOptions(
    program
      .command('console')
      .description('Open the full-screen console on a collector (q quits, ? lists the keys)')
      .argument(
        '[url]',
        'collector address, ws://, wss://, http:// or https:// (default: $CORRAL_URL, else ws://127.0.0.1:8474)',
      ),
  ).action(async (url: string | undefined, opts: CredentialFlags) => {
    const trust = credentials(opts);
    const { runConsole } = await loadConsole();
    process.exitCode = await runConsole({
      url: url ?? process.env.CORRAL_URL ?? DEFAULT_CONSOLE_URL,
      ...trust,
    });
  });
}
