// The monitoring systems the action table runs against, each a real one started for the test: a
// private Nagios 4 and a private Icinga 2. Each says how the collector is wired to it and reads a
// slave's service back in one shape, from the system's own files or API (never through corral).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { acknowledgementOf, downtimesOf, serviceKey } from '../../../src/nagios/status-file.js';
import {
  hasIcinga2,
  startIcinga2,
  CORRAL_PASSWORD,
  type Icinga2Instance,
} from '../../support/icinga2.js';
import {
  hasNagios,
  passiveObjects,
  startNagios,
  type NagiosInstance,
} from '../../support/nagios.js';

export const SERVICE = 'buildbot-start';

/** A slave's service as the monitoring system has it; times epoch ms. */
export interface ServiceFacts {
  /** 0-3; null until it has a result. */
  state: number | null;
  output: string;
  lastCheck: number | null;
  downtimes: Array<{ author: string; comment: string; start: number; end: number; fixed: boolean }>;
  acknowledgement: { author: string; comment: string } | null;
}

export interface Backend {
  name: 'nagios' | 'icinga2';
  available: boolean;
  /** Starts the monitoring system with a passive service for each slave. */
  start(slaves: readonly string[]): Promise<void>;
  /** The collector's corral.yaml section for it; may write files into `dir`. */
  config(dir: string): Promise<string>;
  /** Null when it has no such service. */
  service(slave: string): Promise<ServiceFacts | null>;
  cleanup(): Promise<void>;
}

export function nagiosBackend(): Backend {
  let nagios: NagiosInstance | null = null;
  return {
    name: 'nagios',
    available: hasNagios,
    async start(slaves) {
      nagios = await startNagios({ objects: passiveObjects(slaves) });
    },
    async config() {
      return [
        'nagios:',
        `  command_file: ${nagios!.commandFile}`,
        `  status_file: ${nagios!.statusFile}`,
        '  confirm_within: 20s',
        '',
      ].join('\n');
    },
    async service(slave) {
      const st = await nagios!.status();
      const s = st.services.get(serviceKey(slave, SERVICE));
      if (!s) return null;
      const ack = acknowledgementOf(st, slave, SERVICE);
      return {
        state: s.hasBeenChecked ? s.state : null,
        output: s.output,
        lastCheck: s.lastCheck,
        downtimes: downtimesOf(st, slave, SERVICE).map((d) => ({
          author: d.author,
          comment: d.comment,
          start: d.start,
          end: d.end,
          fixed: d.fixed,
        })),
        acknowledgement: ack && { author: ack.author, comment: ack.comment },
      };
    },
    async cleanup() {
      await nagios?.cleanup();
    },
  };
}

export function icinga2Backend(): Backend {
  let icinga: Icinga2Instance | null = null;
  return {
    name: 'icinga2',
    available: hasIcinga2,
    async start(slaves) {
      icinga = await startIcinga2({ slaves });
    },
    async config(dir) {
      const file = path.join(dir, 'icinga2-password');
      await writeFile(file, `${CORRAL_PASSWORD}\n`, { mode: 0o600 });
      return icinga!.configYaml(file);
    },
    async service(slave) {
      const s = await icinga!.service(slave);
      if (!s) return null;
      const comments = await icinga!.api('QUERY', '/v1/objects/comments', {
        filter: 'comment.host_name == h && comment.entry_type == 4',
        filter_vars: { h: slave },
      });
      const ack = (comments.body?.results ?? [])[0]?.attrs;
      const cr = s.last_check_result;
      return {
        state: cr ? s.state : null,
        output: cr?.output ?? '',
        lastCheck: cr ? Math.round(s.last_check * 1000) : null,
        downtimes: (await icinga!.downtimes(slave)).map((d) => ({
          author: d.author,
          comment: d.comment,
          start: d.start_time * 1000,
          end: d.end_time * 1000,
          fixed: d.fixed,
        })),
        acknowledgement:
          s.acknowledgement > 0 && ack ? { author: ack.author, comment: ack.text } : null,
      };
    },
    async cleanup() {
      await icinga?.cleanup();
    },
  };
}

/** Both, in the order the table runs them. */
export const BACKENDS = [nagiosBackend, icinga2Backend];
