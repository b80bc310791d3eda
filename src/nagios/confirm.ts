// Whether Nagios shows an action done on one target, read from status.dat, and what makes a target
// fail before anything is sent (Nagios has no such service; an OK service has nothing to acknowledge).
// The Nagios backends' answers to the seam's `confirmed` and their precheck.
import type { ActionFacts } from '../domain/action-facts.js';
import { downtimeMatches } from '../domain/downtime-match.js';
import type { ActionKind } from '../domain/protocol.js';
import type { ServiceRef } from './commands.js';
import { acknowledgementOf, downtimesOf, serviceKey, type NagiosStatus } from './status-file.js';

export function isConfirmed(a: ActionFacts, status: NagiosStatus, target: ServiceRef): boolean {
  const service = status.services.get(serviceKey(target.host, target.service));
  switch (a.kind) {
    case 'downtime': {
      const start = Date.parse(a.params.start ?? '');
      const end = Date.parse(a.params.end ?? '');
      return downtimesOf(status, target.host, target.service).some(
        (d) =>
          d.author === a.author &&
          d.comment === a.params.comment &&
          d.start === start &&
          d.end === end &&
          d.fixed === (a.params.fixed ?? true),
      );
    }
    case 'cancel-downtime':
      // Every downtime entered before the action is gone (a newer one is someone else's).
      return downtimesOf(status, target.host, target.service)
        .filter((d) => downtimeMatches(a.cancels, d))
        .every((d) => d.entryTime > a.at);
    case 'ack':
      return acknowledgementOf(status, target.host, target.service)?.author === a.author;
    case 'remove-ack':
      return service !== undefined && !service.acknowledged;
    case 'recheck':
    case 'force-check':
      // Nagios keeps whole seconds: a check in the action's second counts.
      return service?.lastCheck != null && service.lastCheck >= Math.floor(a.at / 1000) * 1000;
    case 'reboot':
    case 'cancel-reboot':
      return false; // proven by the slave's next start, not by Nagios
    case 'park':
    case 'unpark':
    case 'extend-downtime':
    case 'undo':
      return false; // made of the actions above: each is confirmed as itself
  }
}

/** Why a target cannot be acted on as Nagios stands now; null when it can. */
export function precheck(
  kind: ActionKind,
  status: NagiosStatus,
  target: ServiceRef,
): string | null {
  const service = status.services.get(serviceKey(target.host, target.service));
  if (!service) {
    return `Nagios has no service "${target.service}" on host "${target.host}": define it (corral nagios-config) and reload Nagios`;
  }
  if (kind === 'ack' && !service.hasBeenChecked) {
    return 'Nagios has no result for it yet: there is no problem to acknowledge';
  }
  if (kind === 'ack' && service.state === 0) {
    return 'Nagios shows it OK: there is no problem to acknowledge';
  }
  return null;
}
