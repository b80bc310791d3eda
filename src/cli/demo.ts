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
  const { SLOW_POOL, inventoryOf, makeFarm } = await import('../simulator/farm.js');
  const { startDemoNagios } = await import('./demo-nagios.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-demo-'));
  // Whatever happens from here, the demo leaves nothing behind: its processes and its temp dirs.
  const stopSimulator = new AbortController();
  let farm: Promise<void> = Promise.resolve();
  let collector: Awaited<ReturnType<typeof startEmbedded>> | null = null;
  let nagios: import('../nagios/private-instance.js').PrivateNagios | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      stopSimulator.abort();
      await farm.catch(() => {});
      await collector?.close();
      await nagios?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    })());
  // The last resort when the process ends without `stop` (process.exit elsewhere): synchronous.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  // A signal stops the demo whole (the console, once running, restores the terminal first).
  const onSignal = (signal: NodeJS.Signals) =>
    void stop().finally(() => process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 15)));
  const signals = Object.keys(SIGNAL_NUMBERS) as NodeJS.Signals[];
  for (const s of signals) process.on(s, onSignal);
  const stopOnSignals = () => {
    for (const s of signals) process.off(s, onSignal);
  };
  try {
    const inventory = path.join(dir, 'inventory.yaml');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const settings = await settingsFrom(undefined, {
      listen: `127.0.0.1:${port}`,
      db: path.join(dir, 'corral.db'),
      inventory,
    });
    settings.reboot = demoReboots(url);
    // The demo farm's slow pool idles for a day or more on purpose.
    settings.thresholds.pools[SLOW_POOL.name] = {
      warningSeconds: parseDuration(SLOW_POOL.warning)!,
      criticalSeconds: parseDuration(SLOW_POOL.critical)!,
    };
    // The same farm simulate() makes (same size and seed): its names become Nagios's services.
    const demoNagios = await startDemoNagios({
      slaves: inventoryOf(makeFarm(slaves, SEED)).map((e) => ({ ...e, attributes: {} })),
      thresholds: settings.thresholds,
      collectorUrl: url,
    });
    nagios = demoNagios.running;
    if (demoNagios.running) settings.nagios = demoNagios.settings;
    collector = await startEmbedded(
      settings,
      path.join(dir, 'collector.log'),
      demoNagios.running ? {} : { noMonitoring: demoNagios.why },
    );
    farm = simulate({
      url: collector.url,
      slaves,
      speed,
      seed: SEED,
      inventoryFile: inventory,
      signal: stopSimulator.signal,
      say: () => {},
    });
    // The farm's inventory is written before its first heartbeat; load it now rather than on the watch.
    await collector.reloadInventory();
    if (terminalProblem()) {
      // Headless (a pipe, CI): keep the farm running for `corral console` or `corral ls` elsewhere.
      console.log(
        `corral demo: collector at ${collector.url} with ${slaves} simulated slaves${nagios ? `, Nagios in ${nagios.dir}` : ''}; Ctrl-C stops it`,
      );
      if (!nagios && 'why' in demoNagios) console.log(`corral demo: no Nagios: ${demoNagios.why}`);
      await new Promise<never>(() => {}); // until a signal: onSignal stops the demo and exits
    }
  } catch (err) {
    stopOnSignals();
    await stop();
    throw err;
  }
  // The console restores the terminal on a signal, then calls stop; ours stay on until the end: a
  // second SIGHUP (a closed tmux sends more than one) must find a handler, not kill us mid-stop.
  try {
    return await runConsole({ url: collector.url, onExit: stop });
  } finally {
    stopOnSignals();
  }
}

const SEED = 42;
const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGTERM: 15,
};

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

async function startEmbedded(
  settings: import('../collector/config.js').Settings,
  logFile: string,
  options: import('../collector/collector.js').CollectorOptions = {},
) {
  const { startCollector } = await import('../collector/collector.js');
  const { createLogger } = await import('../collector/logger.js');
  const { databaseDirProblem } = await import('../collector/database-dir.js');
  const dbProblem = databaseDirProblem(settings.db);
  if (dbProblem !== null) throw new CliError(dbProblem);
  try {
    // The console owns the terminal: the collector logs to a file.
    return await startCollector(settings, createLogger({ file: logFile }), options);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}
