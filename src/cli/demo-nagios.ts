// The demo's Nagios: a private Nagios Core (in a temp dir) with objects for the demo farm's slaves,
// and the collector's `nagios:` settings that point at it; or, without it, the line consoles show.
import { fileURLToPath } from 'node:url';
import type { InventoryEntry } from '../domain/inventory.js';
import { oneLine } from '../domain/printable.js';
import type { ThresholdPolicy } from '../domain/thresholds.js';
import { generateNagiosConfig } from '../nagios/config-generator.js';
import { DEFAULT_MAPPING } from '../nagios/mapping.js';
import type { NagiosSettings } from '../nagios/settings.js';
import {
  NAGIOS_BIN,
  PLUGIN_DIR,
  nagiosInstalled,
  startPrivateNagios,
  type PrivateNagios,
} from '../nagios/private-instance.js';

/** The demo's Nagios writes status.dat every second, so an action is confirmed within one. */
const STATUS_INTERVAL_SECONDS = 1;

export type DemoNagios =
  { running: PrivateNagios; settings: NagiosSettings } | { running: null; why: string };

export interface DemoNagiosInput {
  slaves: readonly InventoryEntry[];
  thresholds: ThresholdPolicy;
  /** The demo collector, which Nagios's freshness checks (`corral check`) ask. */
  collectorUrl: string;
}

/** Starts the demo's Nagios; never throws: what went wrong is the `why` consoles show. */
export async function startDemoNagios(input: DemoNagiosInput): Promise<DemoNagios> {
  if (!nagiosInstalled()) {
    return {
      running: null,
      why: `${NAGIOS_BIN} is not installed, so d, D, A, U and c cannot act: apt-get install nagios4-core monitoring-plugins-basic, then npm start again`,
    };
  }
  try {
    const objects = generateNagiosConfig({
      slaves: input.slaves,
      thresholds: input.thresholds,
      mapping: DEFAULT_MAPPING,
      corral: [process.execPath, fileURLToPath(new URL('../../bin/corral.js', import.meta.url))],
      collectorUrl: input.collectorUrl,
      pluginDir: PLUGIN_DIR,
    });
    const running = await startPrivateNagios({
      objects,
      main: { status_update_interval: STATUS_INTERVAL_SECONDS },
      prefix: 'corral-demo-nagios-',
    });
    return {
      running,
      settings: {
        commandFile: running.commandFile,
        statusFile: running.statusFile,
        objectCacheFile: null, // the demo's inventory file lists every slave already
        relay: false,
        host: DEFAULT_MAPPING.hostTemplate,
        service: DEFAULT_MAPPING.service,
        confirmWithinSeconds: 30,
        statusIntervalSeconds: STATUS_INTERVAL_SECONDS,
      },
    };
  } catch (err) {
    return {
      running: null,
      why: `the demo's Nagios did not start (${oneLine((err as Error).message)}), so d, D, A, U and c cannot act`,
    };
  }
}
