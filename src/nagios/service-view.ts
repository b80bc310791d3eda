// A slave's service as status.dat shows it, for the slave's detail: Nagios's state and output,
// every downtime, the acknowledgement and operators' comments. Pure.
import type { ServiceView } from '../domain/slave.js';
import type { ServiceRef } from './commands.js';
import { acknowledgementOf, downtimesOf, serviceKey, type NagiosStatus } from './status-file.js';

const STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
/** Comments an operator wrote (Nagios also keeps comments for downtimes and acknowledgements). */
const USER_COMMENT = 1;

const iso = (ms: number) => new Date(ms).toISOString();

/** Null when Nagios has no such service. */
export function serviceView(status: NagiosStatus, target: ServiceRef): ServiceView | null {
  const { host, service } = target;
  const s = status.services.get(serviceKey(host, service));
  if (!s) return null;
  const ack = acknowledgementOf(status, host, service);
  return {
    host,
    service,
    state: s.hasBeenChecked ? (STATES[s.state] ?? 'UNKNOWN') : null,
    output: s.output,
    lastCheck: s.lastCheck === null ? null : iso(s.lastCheck),
    downtimes: downtimesOf(status, host, service).map((d) => ({
      id: d.id,
      start: iso(d.start),
      end: iso(d.end),
      fixed: d.fixed,
      durationSeconds: d.durationSeconds,
      inEffect: d.inEffect,
      author: d.author,
      comment: d.comment,
    })),
    acknowledgement: ack && { author: ack.author, comment: ack.comment, sticky: ack.sticky },
    comments: status.comments
      .filter((c) => c.host === host && c.service === service && c.entryType === USER_COMMENT)
      .sort((a, b) => b.entryTime - a.entryTime)
      .map((c) => ({ at: iso(c.entryTime), author: c.author, comment: c.comment })),
  };
}
