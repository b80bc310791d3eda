// A private Nagios Core 4 for tests: its own temp dir, the objects given (from `corral nagios-config`),
// intervals in seconds, and helpers that read Nagios's own files (status.dat, nagios.log).
import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { available } from './requires.js';
import { CommandFileWriter } from '../../src/nagios/command-file.js';
import { generateNagiosConfig } from '../../src/nagios/config-generator.js';
import { DEFAULT_MAPPING } from '../../src/nagios/mapping.js';
import {
  NAGIOS_BIN,
  NAGIOS_PACKAGES,
  PLUGIN_DIR,
  layOutNagios,
  nagiosInstalled,
  startPrivateNagios,
  type PrivateNagios,
  type PrivateNagiosOptions,
} from '../../src/nagios/private-instance.js';
import { CORRAL_BIN } from './collector.js';
import {
  parseStatus,
  IncompleteStatusError,
  type NagiosStatus,
} from '../../src/nagios/status-file.js';

export { NAGIOS_BIN, PLUGIN_DIR };
/** Whether the real-Nagios suites run: a skip with a warning on a developer's machine, a failure under CI. */
export const hasNagios = available(NAGIOS_BIN, nagiosInstalled(), NAGIOS_PACKAGES);

/** Objects for a private Nagios: each slave a host with corral's passive service, default thresholds. */
export function passiveObjects(slaves: readonly string[]): string {
  return generateNagiosConfig({
    slaves: slaves.map((name) => ({ name, pool: null, master: null, attributes: {} })),
    thresholds: { default: { warningSeconds: 21600, criticalSeconds: 25200 }, pools: {} },
    mapping: DEFAULT_MAPPING,
    corral: [process.execPath, CORRAL_BIN],
    collectorUrl: 'http://127.0.0.1:1',
    pluginDir: PLUGIN_DIR,
  });
}

/** A private Nagios (src/nagios/private-instance.ts) with helpers that read its own files. */
export interface NagiosInstance extends PrivateNagios {
  writer: CommandFileWriter;
  /** status.dat as it is now (retries a half-written file). */
  status(): Promise<NagiosStatus>;
  /** Polls status.dat until the predicate holds; throws with the last status's summary on timeout. */
  waitForStatus(
    predicate: (s: NagiosStatus) => boolean,
    timeoutMs?: number,
    what?: string,
  ): Promise<NagiosStatus>;
  /** The commands Nagios says it executed: the text after `EXTERNAL COMMAND: ` in nagios.log. */
  externalCommands(): Promise<string[]>;
  logText(): Promise<string>;
}

export type NagiosOptions = Pick<PrivateNagiosOptions, 'objects' | 'main'>;

export async function startNagios(opts: NagiosOptions): Promise<NagiosInstance> {
  const nagios = await startPrivateNagios(opts);
  const readStatus = async (): Promise<NagiosStatus> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return parseStatus(await readFile(nagios.statusFile, 'utf8'));
      } catch (err) {
        if (!(err instanceof IncompleteStatusError || isMissing(err)) || attempt > 50) throw err;
        await sleep(100);
      }
    }
  };
  return {
    ...nagios,
    writer: new CommandFileWriter(nagios.commandFile),
    status: readStatus,
    async waitForStatus(predicate, timeoutMs = 20_000, what = 'the expected state') {
      const deadline = Date.now() + timeoutMs;
      let last: NagiosStatus | null = null;
      while (Date.now() < deadline) {
        last = await readStatus();
        if (predicate(last)) return last;
        await sleep(100);
      }
      throw new Error(
        `status.dat did not show ${what} within ${timeoutMs} ms (services: ${last?.services.size}, downtimes: ${last?.downtimes.length}, comments: ${last?.comments.length})`,
      );
    },
    async externalCommands() {
      const text = await readFile(nagios.logFile, 'utf8').catch(() => '');
      return [...text.matchAll(/EXTERNAL COMMAND: (.*)$/gm)].map((m) => m[1]!);
    },
    logText: () => readFile(nagios.logFile, 'utf8').catch(() => ''),
  };
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** `nagios4 -v` on a main config that includes `objects`: the verifier's output and whether it passed. */
export async function verifyObjects(objects: string): Promise<{ ok: boolean; output: string }> {
  const dir = await layOutNagios(objects, {}, 'corral-nagios-verify-');
  try {
    const r = spawnSync(NAGIOS_BIN, ['-v', path.join(dir, 'nagios.cfg')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const output = `${r.stdout}${r.stderr}`;
    return { ok: r.status === 0 && /Total Errors:\s+0/.test(output), output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
