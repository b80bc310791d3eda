// Why a slave's Nagios service is silenced, read from status.dat, in the wire shape consoles show
// (who muted it, why, until when): the one that counts most, and all of them.
import type { SlaveMutes } from '../domain/slave-record.js';
import type { Muting } from '../domain/slave.js';
import type { ServiceRef } from './commands.js';
import { acknowledgementOf, downtimesOf, type Downtime, type NagiosStatus } from './status-file.js';

export const NOT_MUTED: SlaveMutes = { muted: null, mutes: [] };

/**
 * `muted`: a downtime in effect wins (it has an end the operator cares about), then an
 * acknowledgement, then a downtime still to come. `mutes`: every downtime in effect, ending
 * first first, then the acknowledgement (it has no end).
 */
export function mutesOf(status: NagiosStatus, target: ServiceRef): SlaveMutes {
  const downtimes = downtimesOf(status, target.host, target.service);
  const active = downtimes.filter((d) => d.inEffect).map(downtimeMuting);
  const found = acknowledgementOf(status, target.host, target.service);
  const ack: Muting | null = found && {
    kind: 'acknowledgement',
    author: found.author,
    comment: found.comment,
    sticky: found.sticky,
  };
  const mutes = ack ? [...active, ack] : active;
  const muted = active[0] ?? ack ?? (downtimes[0] ? downtimeMuting(downtimes[0]) : null);
  return { muted, mutes };
}

/** The one that counts most (see mutesOf). */
export function mutingOf(status: NagiosStatus, target: ServiceRef): Muting | null {
  return mutesOf(status, target).muted;
}

function downtimeMuting(d: Downtime): Muting {
  return {
    kind: 'downtime',
    author: d.author,
    comment: d.comment,
    start: new Date(d.start).toISOString(),
    end: new Date(d.end).toISOString(),
    fixed: d.fixed,
    inEffect: d.inEffect,
    downtimeId: d.id,
  };
}
