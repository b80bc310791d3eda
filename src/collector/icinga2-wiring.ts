// Icinga 2 as the collector's monitoring backend: its API target and mapping from corral.yaml, its
// link troubles in /healthz (part `icinga2`) and in the log.
import { Icinga2Monitor } from '../icinga2/icinga2-monitor.js';
import { apiTarget, type Icinga2Settings } from '../icinga2/settings.js';
import { checkMapping } from '../nagios/mapping.js';
import type { Health } from './health.js';
import type { Logger } from './logger.js';

export function icinga2Monitor(
  settings: Icinga2Settings,
  health: Health,
  log: Logger,
): Icinga2Monitor {
  return new Icinga2Monitor({
    target: apiTarget(settings),
    mapping: checkMapping({ hostTemplate: settings.host, service: settings.service }),
    log: (level, msg) => log[level]({ part: 'icinga2' }, msg),
    health: (problem) => health.set('icinga2', problem),
  });
}
