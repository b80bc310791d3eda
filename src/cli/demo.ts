// `corral` (the embedded default: a collector on loopback with the console attached) and
// `corral demo` (the same on a throwaway database, fed by the simulator).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../domain/duration.js';
import { loadConsole } from '../console/load.js';
import { caFrom } from './collector-options.js';
import { CliError } from './errors.js';

export function register(program: Command): void {
  program
    .option(
      '--config <file>',
      'corral.yaml for the embedded collector (default: ./corral.yaml if present)',
    )
    .action(async (opts: { config?: string }) => {
      process.exitCode = await runEmbedded(opts.config);
    });
  program
    .command('demo')
    .description('a living farm at once: collector, simulator and console on a throwaway database')
    .option('--slaves <n>', 'how many simulated slaves', '300')
    .option('--speed <x>', 'slaves cycle x times faster than real time (ages stay real)', '10')
    .action(async (opts: { slaves: string; speed: string }) => {
      process.exitCode = await runDemo(Number(opts.slaves), Number(opts.speed));
    });
}

async function runEmbedded(configFlag: string | undefined): Promise<number> {
  // loadConsole first: it selects React's production build before React is imported.
  const { runConsole } = await loadConsole();
  const { terminalProblem } = await import('../console/run.js');
  const problem = terminalProblem();
  if (problem) throw new CliError(problem);
  const config = configFlag ?? (existsSync('corral.yaml') ? 'corral.yaml' : undefined);
  // With `tls:` the console verifies its own collector too: against $CORRAL_CA.
  const ca = caFrom({});
  const settings = await settingsFrom(config, {});
  const collector = await startEmbedded(
    settings,
    path.join(path.dirname(settings.db), 'collector.log'),
  );
  return runConsole({ url: collector.url, ca, onExit: () => collector.close() });
}

async function runDemo(slaves: number, speed: number): Promise<number> {
  if (!(slaves > 0) || !(speed > 0))
    throw new CliError('--slaves and --speed must be positive numbers');
  // loadConsole first: it selects React's production build before React is imported.
  const { runConsole } = await loadConsole();
  const { terminalProblem } = await import('../console/run.js');
  const { simulate } = await import('../simulator/simulate.js');
  const { SLOW_POOL } = await import('../simulator/farm.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-demo-'));
  const inventory = path.join(dir, 'inventory.yaml');
  const port = await freePort();
  const settings = await settingsFrom(undefined, {
    listen: `127.0.0.1:${port}`,
    db: path.join(dir, 'corral.db'),
    inventory,
  });
  settings.reboot = demoReboots(`http://127.0.0.1:${port}`);
  // The demo farm's slow pool idles for a day or more on purpose.
  settings.thresholds.pools[SLOW_POOL.name] = {
    warningSeconds: parseDuration(SLOW_POOL.warning)!,
    criticalSeconds: parseDuration(SLOW_POOL.critical)!,
  };
  const collector = await startEmbedded(settings, path.join(dir, 'collector.log'));
  const stopSimulator = new AbortController();
  const farm = simulate({
    url: collector.url,
    slaves,
    speed,
    seed: 42,
    inventoryFile: inventory,
    signal: stopSimulator.signal,
    say: () => {},
  });
  // The farm's inventory is written before its first heartbeat; load it now rather than on the watch.
  await collector.reloadInventory();
  const stop = async () => {
    stopSimulator.abort();
    await farm.catch(() => {});
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  };
  if (terminalProblem()) {
    // Headless (a pipe, CI): keep the farm running for `corral console` or `corral ls` elsewhere.
    console.log(
      `corral demo: collector at ${collector.url} with ${slaves} simulated slaves; Ctrl-C stops it`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stop();
    return 0;
  }
  return runConsole({ url: collector.url, onExit: stop });
}

/**
 * The demo's reboot chain: a make-believe `ssh` whose slave comes back 3 s later (it posts the
 * slave's next start, as its buildbot start hook would), then a person. No shell: a literal
 * script, the slave's name one argument.
 */
function demoReboots(url: string): import('../reboot/methods.js').RebootSettings {
  const comeBack =
    "setTimeout(() => fetch(process.argv[1] + '/api/v1/slaves/' + process.argv[2] + '/heartbeat', { method: 'POST' }), 3000)";
  return {
    concurrency: 16,
    methods: [
      {
        name: 'ssh',
        argv: [process.execPath, '-e', comeBack, url, '{slave}'],
        timeoutMs: 30_000,
        waitMs: 60_000,
        hands: false,
      },
      { name: 'hands', argv: [], timeoutMs: 30_000, waitMs: 0, hands: true },
    ],
    pools: {},
  };
}

/** A port free now, so the demo's reboot method can name the collector before it listens. */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as import('node:net').AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

type Overrides = import('../collector/config.js').Overrides;

async function settingsFrom(config: string | undefined, overrides: Overrides) {
  const { loadSettings, ConfigError } = await import('../collector/config.js');
  try {
    return loadSettings(config, overrides);
  } catch (err) {
    throw err instanceof ConfigError ? new CliError(err.message) : err;
  }
}

async function startEmbedded(settings: import('../collector/config.js').Settings, logFile: string) {
  const { startCollector } = await import('../collector/collector.js');
  const { createLogger } = await import('../collector/logger.js');
  const { databaseDirProblem } = await import('../collector/database-dir.js');
  const dbProblem = databaseDirProblem(settings.db);
  if (dbProblem !== null) throw new CliError(dbProblem);
  try {
    // The console owns the terminal: the collector logs to a file.
    return await startCollector(settings, createLogger({ file: logFile }));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}
