// A collector wired to a private Nagios whose objects `corral nagios-config` made for the same
// inventory (freshness checks through `corral check` with a viewer token): what the e2e tests of
// acting from the console start.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { freePort, runCorral } from '../integration/agent/run-cli.js';
import { startCollector, type RunningCollector } from './collector.js';
import { PLUGIN_DIR, startNagios, type NagiosInstance } from './nagios.js';

export interface WiredOptions {
  dir: string;
  /** The inventory's entries, each a YAML flow mapping (`{name: a, pool: p}`). */
  slaves: readonly string[];
  /** The token `corral check` sends (a viewer's). */
  checker: string;
  /** Lines under `tokens:` besides the checker's. */
  tokens: readonly string[];
  /** More of corral.yaml (a `reboot:` section, say). */
  extra?: readonly string[];
}

export async function startWiredNagios(
  opts: WiredOptions,
): Promise<{ nagios: NagiosInstance; collector: RunningCollector }> {
  const port = await freePort();
  const inventory = path.join(opts.dir, 'inventory.yaml');
  await writeFile(inventory, ['slaves:', ...opts.slaves.map((s) => `  - ${s}`), ''].join('\n'));
  const base = `thresholds: {warning: 6h, critical: 7h}\ninventory: ${inventory}\n`;
  const genConfig = path.join(opts.dir, 'gen.yaml');
  await writeFile(genConfig, base);
  const tokenFile = path.join(opts.dir, 'nagios-token');
  await writeFile(tokenFile, `${opts.checker}\n`);
  const generated = await runCorral([
    'nagios-config',
    '--config',
    genConfig,
    '--collector',
    `http://127.0.0.1:${port}`,
    '--plugin-dir',
    PLUGIN_DIR,
    '--token-file',
    tokenFile,
  ]);
  expect(generated.stderr).toBe('');
  const nagios = await startNagios({ objects: generated.stdout });
  const collector = await startCollector({
    args: ['--listen', `127.0.0.1:${port}`],
    config: [
      base,
      'tokens:',
      ...opts.tokens,
      `  - {name: nagios, role: viewer, token: ${opts.checker}}`,
      'nagios:',
      `  command_file: ${nagios.commandFile}`,
      `  status_file: ${nagios.statusFile}`,
      '  confirm_within: 40s',
      ...(opts.extra ?? []),
      '',
    ].join('\n'),
  });
  return { nagios, collector };
}
