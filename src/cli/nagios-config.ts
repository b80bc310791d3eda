// `corral nagios-config`: prints Nagios object definitions for every slave of the inventory, ready to
// include from nagios.cfg (cfg_file=...).
import { Option, type Command } from 'commander';
import { CliError } from './errors.js';
import { writeOut } from './output.js';

interface NagiosConfigOptions {
  config?: string;
  inventory?: string;
  objectCache?: string;
  collector?: string;
  corral?: string;
  plugin: 'node' | 'sh';
  pluginDir: string;
  contactGroups?: string;
  tokenFile?: string;
  ca?: string;
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
    .addOption(
      new Option(
        '--plugin <kind>',
        'what Nagios runs: node (corral check) or sh (bin/corral-check.sh, curl: lighter)',
      )
        .choices(['node', 'sh'])
        .default('node'),
    )
    .option(
      '--corral <path>',
      'absolute path of the corral program Nagios runs (default: this node and this corral)',
    )
    .option('--plugin-dir <dir>', 'where check_http lives', '/usr/lib/nagios/plugins')
    .option('--contact-groups <list>', 'contact groups to notify, comma-separated')
    .option(
      '--token-file <file>',
      'file holding a viewer token, readable by the nagios user (the check reads it; no token in argv)',
    )
    .option('--ca <file>', 'CA certificate of an https collector, for the check')
    // Gone: it put the token on the check's command line, where `ps` shows it to every user.
    .addOption(new Option('--token-macro <USERn>').hideHelp())
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (_opts: NagiosConfigOptions, command: Command) => {
      // With globals: the root command has a --config of its own (the embedded default).
      const opts = command.optsWithGlobals<NagiosConfigOptions>();
      if (opts.tokenMacro !== undefined) {
        throw new CliError(
          '--token-macro is gone: a token in the check command is visible in ps; put the viewer token in a file only nagios can read and give --token-file FILE',
        );
      }
      const text = await generate(opts);
      if (opts.output) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(opts.output, text).catch((err: Error) => {
          throw new CliError(`cannot write ${opts.output}: ${err.message}`);
        });
      } else {
        writeOut(text);
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
  const path = await import('node:path');
  try {
    // No token is needed here: their environment variables need not be set where this runs.
    const settings = loadSettings(
      opts.config,
      opts.inventory === undefined ? {} : { inventory: opts.inventory },
      { withoutTokens: true },
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
      ...(opts.plugin === 'sh' && { shPlugin: await binFile('corral-check.sh') }),
      collectorUrl: collectorUrl(opts.collector, settings.listen),
      pluginDir: opts.pluginDir,
      contactGroups: opts.contactGroups
        ?.split(',')
        .map((g) => g.trim())
        .filter(Boolean),
      ...(opts.tokenFile !== undefined && { tokenFile: path.resolve(opts.tokenFile) }),
      ...(opts.ca !== undefined && { ca: path.resolve(opts.ca) }),
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
  return [process.execPath, await binFile('corral.js')];
}

async function binFile(name: string): Promise<string> {
  const { realpathSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  return realpathSync(fileURLToPath(new URL(`../../bin/${name}`, import.meta.url)));
}

function collectorUrl(explicit: string | undefined, listen: string): string {
  const given = explicit ?? process.env.CORRAL_URL;
  if (given) return given.includes('://') ? given : `http://${given}`;
  // A collector listening on every address is reached on loopback from the Nagios host.
  return `http://${listen.replace(/^(0\.0\.0\.0|\[::\]|):/, '127.0.0.1:')}`;
}
