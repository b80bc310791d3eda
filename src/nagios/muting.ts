// Why a slave's Nagios service is silenced, read from status.dat, in the wire shape consoles show
// (who muted it, why, until when).
import type { Muting } from '../domain/slave.js';
import type { ServiceRef } from './commands.js';
import { acknowledgementOf, downtimesOf, type NagiosStatus } from './status-file.js';

/**
 * A downtime in effect wins (it has an end the operator cares about), then an acknowledgement,
 * then a downtime still to come; null when nothing mutes the service.
 */
export function mutingOf(status: NagiosStatus, target: ServiceRef): Muting | null {
  const downtimes = downtimesOf(status, target.host, target.service);
  const active = downtimes.find((d) => d.inEffect);
  const ack = acknowledgementOf(status, target.host, target.service);
  const chosen = active ?? (ack ? null : downtimes[0]);
  if (chosen) {
    return {
      kind: 'downtime',
      author: chosen.author,
      comment: chosen.comment,
      start: new Date(chosen.start).toISOString(),
      end: new Date(chosen.end).toISOString(),
      fixed: chosen.fixed,
      inEffect: chosen.inEffect,
      downtimeId: chosen.id,
    };
  }
  if (ack)
    return {
      kind: 'acknowledgement',
      author: ack.author,
      comment: ack.comment,
      sticky: ack.sticky,
    };
  return null;
}
