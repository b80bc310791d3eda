// What `corral check` answers Nagios for a slave: the plugin exit code and its one line of output.
import { formatAge } from '../domain/duration.js';
import { oneLine } from '../domain/printable.js';
import type { SlaveView } from '../domain/slave.js';
import { SERVICE_STATES, type ServiceStateCode } from './commands.js';

const LABELS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface PluginResult {
  code: ServiceStateCode;
  /** `STATE - text|perfdata`, one line: what the plugin prints. */
  line: string;
  /** `STATE - text` and the perfdata apart, for a passive result with the same words. */
  text: string;
  perfdata?: string;
}

export function pluginLine(code: ServiceStateCode, text: string, perfdata?: string): PluginResult {
  const body = `${LABELS[code]} - ${pluginText(text)}`;
  const line = perfdata === undefined ? body : `${body}|${perfdata}`;
  return perfdata === undefined ? { code, line, text: body } : { code, line, text: body, perfdata };
}

/**
 * Plugin output is one line with its controls shown (Nagios hands it to web pages, mails and
 * terminals), and `|` starts perfdata; everything else may stay (`;` included).
 */
function pluginText(text: string): string {
  return oneLine(text).replace(/\|/g, '/') || '(no output)';
}

export function unknown(text: string): PluginResult {
  return pluginLine(SERVICE_STATES.unknown, text);
}

/** A plugin run the wrong way: UNKNOWN (never a state Nagios would alert on), naming the usage. */
export function usageError(problem: string, usage: string): PluginResult {
  return unknown(`${problem} (usage: ${usage})`);
}

/**
 * The collector decides the state; this maps it to Nagios. A slave never heard from is
 * CRITICAL: Nagios only asks once its freshness threshold passed, and by then silence is a problem.
 */
export function pluginResult(slave: SlaveView): PluginResult {
  const perf = slave.ageSeconds === null ? undefined : `age=${slave.ageSeconds}s`;
  const age = slave.ageSeconds === null ? null : formatAge(slave.ageSeconds);
  const master = slave.master ? ` on ${slave.master}` : '';
  switch (slave.state) {
    case 'ok':
      return pluginLine(SERVICE_STATES.ok, `buildbot started ${age} ago${master}`, perf);
    case 'late':
      return pluginLine(SERVICE_STATES.warning, `no buildbot start for ${age}`, perf);
    case 'dead':
      return pluginLine(SERVICE_STATES.critical, `no buildbot start for ${age}`, perf);
    case 'critical':
      return pluginLine(
        SERVICE_STATES.critical,
        slave.lastCritical?.message || 'the slave reported a problem',
        perf,
      );
    case 'never':
      return pluginLine(SERVICE_STATES.critical, `no heartbeat ever received from ${slave.name}`);
    case 'rebooting':
      return pluginLine(
        SERVICE_STATES.warning,
        `rebooting${slave.reboot?.phase === 'rebooting' ? ` (${slave.reboot.method})` : ''}, waiting for a buildbot start`,
        perf,
      );
    case 'needs-hands':
      return pluginLine(
        SERVICE_STATES.critical,
        'needs hands: every reboot method was tried and the slave did not come back',
        perf,
      );
  }
}
