// `corral nagios-config`: prints Nagios object definitions for every slave of the inventory, ready to
// include from nagios.cfg (cfg_file=...).
import type { Command } from 'commander';
import { CliError } from './errors.js';

interface NagiosConfigOptions {
  config?: string;
  inventory?: string;
  objectCache?: string;
  collector?: string;
  corral?: string;
  pluginDir: string;
  contactGroups?: string;
  tokenMacro?: string;
  output?: string;
}

export function register(program: Command): void {
  program
    .command('nagios-config')
    .description(
      'print Nagios hosts and passive buildbot-start services for the inventory, checked by `corral check`',
    )
    .option('--config <file>', 'corral.yaml (thresholds, pools, inventory, nagios.host/service)')
    .option('--inventory <file>', 'slaves to define (default: inventory from corral.yaml)')
    .option('--object-cache <file>', "also define the slaves found in Nagios's objects.cache")
    .option(
      '--collector <url>',
      'collector that `corral check` asks (default: $CORRAL_URL, else the listen address)',
    )
    .option(
      '--corral <path>',
      'absolute path of the corral program Nagios runs (default: this node and this corral)',
    )
    .option('--plugin-dir <dir>', 'where check_http lives', '/usr/lib/nagios/plugins')
    .option('--contact-groups <list>', 'contact groups to notify, comma-separated')
    .option('--token-macro <USERn>', 'resource.cfg macro holding a viewer token, e.g. USER3')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (_opts: NagiosConfigOptions, command: Command) => {
      // With globals: the root command has a --config of its own (the embedded default).
      const opts = command.optsWithGlobals<NagiosConfigOptions>();
      const text = await generate(opts);
      if (opts.output) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(opts.output, text).catch((err: Error) => {
          throw new CliError(`cannot write ${opts.output}: ${err.message}`);
        });
      } else {
        process.stdout.write(text);
      }
    });
}

async function generate(opts: NagiosConfigOptions): Promise<string> {
  const { loadSettings, ConfigError } = await import('../collector/config.js');
  const { loadInventory, InventoryError } = await import('../collector/inventory.js');
  const { generateNagiosConfig } = await import('../nagios/config-generator.js');
  const { slavesFromObjectCache } = await import('../nagios/object-cache.js');
  const { checkMapping } = await import('../nagios/mapping.js');
  const { NagiosInputError } = await import('../nagios/commands.js');
  const { readFile } = await import('node:fs/promises');
  try {
    const settings = loadSettings(
      opts.config,
      opts.inventory === undefined ? {} : { inventory: opts.inventory },
    );
    const mapping = checkMapping({
      hostTemplate: settings.nagios.host,
      service: settings.nagios.service,
    });
    const slaves =
      settings.inventory === null
        ? []
        : loadInventory(settings.inventory, settings.limits.inventoryBytes);
    if (opts.objectCache) {
      const text = await readFile(opts.objectCache, 'utf8').catch((err: Error) => {
        throw new CliError(`cannot read ${opts.objectCache}: ${err.message}`);
      });
      const known = new Set(slaves.map((s) => s.name));
      for (const s of slavesFromObjectCache(text, mapping)) if (!known.has(s.name)) slaves.push(s);
    }
    if (slaves.length === 0) {
      throw new CliError(
        'no slaves to define: give --inventory FILE (or inventory: in corral.yaml) or --object-cache FILE',
      );
    }
    return generateNagiosConfig({
      slaves,
      thresholds: settings.thresholds,
      mapping,
      corral: await corralArgv(opts.corral),
      collectorUrl: collectorUrl(opts.collector, settings.listen),
      pluginDir: opts.pluginDir,
      contactGroups: opts.contactGroups
        ?.split(',')
        .map((g) => g.trim())
        .filter(Boolean),
      tokenMacro: opts.tokenMacro,
    });
  } catch (err) {
    if (
      err instanceof ConfigError ||
      err instanceof InventoryError ||
      err instanceof NagiosInputError
    ) {
      throw new CliError(err.message);
    }
    throw err;
  }
}

/** Nagios may not have node on its PATH: by default run this very node on this very corral. */
async function corralArgv(explicit: string | undefined): Promise<string[]> {
  if (explicit !== undefined) return [explicit];
  const { realpathSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const script = realpathSync(fileURLToPath(new URL('../../bin/corral.js', import.meta.url)));
  return [process.execPath, script];
}

function collectorUrl(explicit: string | undefined, listen: string): string {
  const given = explicit ?? process.env.CORRAL_URL;
  if (given) return given.includes('://') ? given : `http://${given}`;
  // A collector listening on every address is reached on loopback from the Nagios host.
  return `http://${listen.replace(/^(0\.0\.0\.0|\[::\]|):/, '127.0.0.1:')}`;
}
