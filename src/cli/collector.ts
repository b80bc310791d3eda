// `corral collector`: run the collector until SIGTERM/SIGINT; SIGHUP reloads the inventory and
// the TLS certificate.
import type { Command } from 'commander';
import type { Collector } from '../collector/collector.js';
import { CliError } from './errors.js';

export interface CollectorOptions {
  config?: string;
  listen?: string;
  db?: string;
  inventory?: string;
}

export function register(program: Command): void {
  program
    .command('collector')
    .description('receive heartbeats over HTTP, keep them in SQLite, stream them to consoles')
    .option(
      '--config <file>',
      'corral.yaml with thresholds, tokens, inventory, Nagios, reboot methods',
    )
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:8474)')
    .option(
      '--db <path>',
      'SQLite file (default $STATE_DIRECTORY/corral.db, else .corral/corral.db beside the config)',
    )
    .option('--inventory <file>', 'slaves that should exist (YAML, or one name per line)')
    .action(async (opts: CollectorOptions) => {
      await runCollectorUntilSignal(opts);
    });
}

export async function runCollectorUntilSignal(opts: CollectorOptions): Promise<void> {
  const { loadSettings, ConfigError } = await import('../collector/config.js');
  const { startCollector } = await import('../collector/collector.js');
  const { createLogger } = await import('../collector/logger.js');
  const { databaseDirProblem } = await import('../collector/database-dir.js');
  let settings;
  try {
    settings = loadSettings(opts.config, opts);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const dbProblem = databaseDirProblem(settings.db);
  if (dbProblem !== null) throw new CliError(dbProblem);
  const log = createLogger();
  // Signals are handled from before the first log line, so a SIGHUP or SIGTERM sent as soon
  // as the collector says "listening" never meets the default action (which kills).
  let stopRequested: ((signal: string) => void) | null = null;
  let stopDuringStartup: (signal: string) => void = () => {};
  const startupStopped = new Promise<string>((resolve) => (stopDuringStartup = resolve));
  let reload = () => {};
  const onStop = (signal: string) =>
    stopRequested ? stopRequested(signal) : stopDuringStartup(signal);
  const onTerm = () => onStop('SIGTERM');
  const onInt = () => onStop('SIGINT');
  const onHup = () => reload();
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  process.on('SIGHUP', onHup);

  const starting = startCollector(settings, log);
  let started: Collector;
  try {
    const first = await Promise.race([starting, startupStopped]);
    if (typeof first === 'string') {
      // Startup may be waiting on a file that never answers (a hung NFS mount); it has accepted
      // nothing yet, so there is nothing to flush. The signal is raised again with its default
      // action: process.exit would wait for the stuck read's thread, forever.
      log.info({ signal: first }, 'stopped during startup');
      process.off('SIGTERM', onTerm).off('SIGINT', onInt).off('SIGHUP', onHup);
      process.kill(process.pid, first);
      return;
    }
    started = first;
  } catch (err) {
    process.off('SIGTERM', onTerm).off('SIGINT', onInt).off('SIGHUP', onHup);
    throw new CliError((err as Error).message);
  }
  reload = () => {
    void started.reloadInventory();
    started.reloadCertificate();
  };
  await new Promise<void>((resolve) => {
    stopRequested = (signal: string) => {
      log.info({ signal }, 'stopping');
      started.close().then(resolve, (err: unknown) => {
        log.error({ err }, 'unclean stop');
        process.exitCode = 1;
        resolve();
      });
    };
  });
}
