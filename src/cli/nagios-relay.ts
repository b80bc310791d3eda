// `corral nagios-relay`: on the Nagios host, owns Nagios's command file and status.dat for a
// collector elsewhere, connecting out to it with a token of role relay (docs/nagios.md).
import type { Command } from 'commander';
import { addCollectorOptions, collectorTarget, type CollectorFlags } from './collector-options.js';
import { CliError } from './errors.js';

interface RelayFlags extends CollectorFlags {
  config?: string;
}

export function register(program: Command): void {
  addCollectorOptions(
    program
      .command('nagios-relay')
      .description(
        "on the Nagios host: carry a collector's results and actions to this Nagios, and its status.dat back",
      )
      .option(
        '--config <file>',
        "corral.yaml whose nagios: section names this host's command_file and status_file",
      ),
  ).action(async (opts: RelayFlags) => {
    await runRelayUntilSignal(opts);
  });
}

async function runRelayUntilSignal(opts: RelayFlags): Promise<void> {
  const { loadSettings, ConfigError } = await import('../collector/config.js');
  const { createLogger } = await import('../collector/logger.js');
  const { Health } = await import('../collector/health.js');
  const { Metrics } = await import('../collector/metrics.js');
  const { NagiosMonitor } = await import('../monitoring/nagios.js');
  const { NagiosRelay } = await import('../relay/relay.js');
  const { RELAY_PATH } = await import('../monitoring/relay-messages.js');
  const target = collectorTarget(opts);
  let nagios;
  try {
    nagios = loadSettings(opts.config, {}, { withoutTokens: true }).nagios;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  if (nagios.commandFile === null) {
    throw new CliError(
      `${opts.config ?? 'settings'}: nagios.command_file is required: the relay writes Nagios's command file (and reads status_file)`,
    );
  }
  const url = new URL(RELAY_PATH, target.url.replace(/^http/, 'ws'));
  const log = createLogger();
  const metrics = new Metrics({
    countByState: () => new Map(),
    consoles: () => 0,
    unlistedSlaves: () => 0,
    oldestWriteSeconds: () => 0,
    owner: () => false,
  });
  const local = new NagiosMonitor(
    { ...nagios, commandFile: nagios.commandFile },
    new Health(),
    metrics,
    log,
  );
  const relay = new NagiosRelay({ url: url.href, token: target.token, ca: target.ca }, local, log);
  log.info(
    { collector: url.href, commandFile: nagios.commandFile, statusFile: nagios.statusFile },
    'relaying Nagios for the collector',
  );
  await relay.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      void relay.close().finally(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
