// `corral icinga2-config`: prints the Icinga 2 objects for every slave of the inventory (hosts,
// passive services whose freshness runs `corral check`, the CheckCommand) and the ApiUser corral
// logs in as, with the fewest permissions it needs.
import type { Command } from 'commander';
import { CliError } from './errors.js';
import { writeOut } from './output.js';

interface Icinga2ConfigOptions {
  config?: string;
  inventory?: string;
  collector?: string;
  corral?: string;
  user?: string;
  tokenFile?: string;
  ca?: string;
  output?: string;
}

export function register(program: Command): void {
  program
    .command('icinga2-config')
    .description(
      'print Icinga 2 hosts, passive buildbot-start services (freshness by `corral check`), the CheckCommand and the ApiUser corral needs',
    )
    .option(
      '--config <file>',
      'corral.yaml (thresholds, pools, inventory, icinga2.user/host/service)',
    )
    .option('--inventory <file>', 'slaves to define (default: inventory from corral.yaml)')
    .option(
      '--collector <url>',
      'collector that `corral check` asks (default: $CORRAL_URL, else the listen address)',
    )
    .option(
      '--corral <path>',
      'absolute path of the corral program Icinga runs (default: this node and this corral)',
    )
    .option('--user <name>', "the ApiUser's name (default: icinga2.user, else corral)")
    .option(
      '--token-file <file>',
      'file holding a viewer token, readable by the icinga user (the check reads it; no token in argv)',
    )
    .option('--ca <file>', 'CA certificate of an https collector, for the check')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (_opts: Icinga2ConfigOptions, command: Command) => {
      const opts = command.optsWithGlobals<Icinga2ConfigOptions>();
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

async function generate(opts: Icinga2ConfigOptions): Promise<string> {
  const { loadSettings, ConfigError } = await import('../collector/config.js');
  const { loadInventory, InventoryError } = await import('../collector/inventory.js');
  const { generateIcinga2Objects } = await import('../icinga2/objects.js');
  const { checkMapping } = await import('../nagios/mapping.js');
  const { NagiosInputError } = await import('../nagios/commands.js');
  const { realpathSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const path = await import('node:path');
  try {
    const settings = loadSettings(
      opts.config,
      opts.inventory === undefined ? {} : { inventory: opts.inventory },
      { withoutTokens: true },
    );
    const names = settings.icinga2 ?? settings.nagios;
    const mapping = checkMapping({ hostTemplate: names.host, service: names.service });
    const slaves =
      settings.inventory === null
        ? []
        : loadInventory(settings.inventory, settings.limits.inventoryBytes);
    if (slaves.length === 0) {
      throw new CliError(
        'no slaves to define: give --inventory FILE (or inventory: in corral.yaml)',
      );
    }
    const corral =
      opts.corral === undefined
        ? [
            process.execPath,
            realpathSync(fileURLToPath(new URL('../../bin/corral.js', import.meta.url))),
          ]
        : [opts.corral];
    const given = opts.collector ?? process.env.CORRAL_URL;
    const collectorUrl = given
      ? given.includes('://')
        ? given
        : `http://${given}`
      : `http://${settings.listen.replace(/^(0\.0\.0\.0|\[::\]|):/, '127.0.0.1:')}`;
    return generateIcinga2Objects({
      slaves,
      thresholds: settings.thresholds,
      mapping,
      corral,
      collectorUrl,
      apiUser: opts.user ?? settings.icinga2?.user ?? 'corral',
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
