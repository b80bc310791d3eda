// What a Nagios's status.dat shows of each slave, in the seam's words: whether it has a service,
// the service itself, who mutes it, and whether an action shows done. Shared by Nagios on this host
// and Nagios on another host (whose relay sends status.dat's contents over).
import type { ServiceView } from '../domain/slave.js';
import type { SlaveMutes } from '../domain/slave-record.js';
import { NagiosInputError, type ServiceRef } from '../nagios/commands.js';
import { isConfirmed } from '../nagios/confirm.js';
import { serviceFor, type NagiosMapping } from '../nagios/mapping.js';
import { mutesOf, NOT_MUTED } from '../nagios/muting.js';
import { serviceView } from '../nagios/service-view.js';
import {
  serviceKey,
  type Downtime,
  type NagiosStatus,
  type StatusComment,
} from '../nagios/status-file.js';
import type { ActionFacts, SlaveRef } from './monitor.js';

export class NagiosReadBack {
  constructor(
    private readonly mapping: NagiosMapping,
    /** status.dat as last read whole; null before the first read (or without one). */
    private readonly status: () => NagiosStatus | null,
  ) {}

  /** The slave's service, or why its name or attributes cannot be one. */
  targetOrProblem(slave: SlaveRef): ServiceRef | string {
    try {
      return serviceFor(slave.name, this.mapping, slave.attributes);
    } catch (err) {
      if (err instanceof NagiosInputError) return err.message;
      throw err;
    }
  }

  mappingProblem(slave: SlaveRef): string | null {
    const target = this.targetOrProblem(slave);
    return typeof target === 'string' ? target : null;
  }

  knows(slave: SlaveRef): boolean {
    const status = this.status();
    const target = this.targetOrProblem(slave);
    if (typeof target === 'string') return false;
    return status === null || status.services.has(serviceKey(target.host, target.service));
  }

  confirmed(action: ActionFacts, slave: SlaveRef): boolean {
    const status = this.status();
    const target = this.targetOrProblem(slave);
    return status !== null && typeof target !== 'string' && isConfirmed(action, status, target);
  }

  service(slave: SlaveRef): ServiceView | null {
    const status = this.status();
    const target = this.targetOrProblem(slave);
    if (!status || typeof target === 'string') return null;
    return serviceView(status, target);
  }

  /** Muting for every slave, with downtimes and comments indexed once (not scanned per slave). */
  mutings(slaves: readonly SlaveRef[]): Map<string, SlaveMutes> {
    const out = new Map<string, SlaveMutes>();
    const status = this.status();
    if (status === null) return out;
    const downtimes = groupBy(status.downtimes);
    const comments = groupBy(status.comments);
    for (const slave of slaves) {
      const target = this.targetOrProblem(slave);
      if (typeof target === 'string') {
        out.set(slave.name, NOT_MUTED); // no service in Nagios: nothing there mutes it
        continue;
      }
      const key = serviceKey(target.host, target.service);
      const own: NagiosStatus = {
        ...status,
        downtimes: downtimes.get(key) ?? [],
        comments: comments.get(key) ?? [],
      };
      out.set(slave.name, mutesOf(own, target));
    }
    return out;
  }
}

function groupBy<T extends Downtime | StatusComment>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = serviceKey(item.host, item.service);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
}
