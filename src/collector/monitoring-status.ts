// The collector's link to its monitoring system as consoles see it: which system, whether an action
// sent now would reach it, what is wrong and since when; told to every console when it changes.
import type { MonitoringBackend, MonitoringLink } from '../domain/protocol.js';
import type { Health } from './health.js';

/** The one input: the link's health as its backend reports it now (null: all is well). */
export interface LinkHealth {
  backend: MonitoringBackend;
  problem: string | null;
}

/**
 * The link after `health` at `now`. Pure. A collector wired to nothing is never reachable, but
 * has no outage (`since` stays null); its `problem` is a note (the demo's missing Nagios) or null.
 */
export function nextLink(
  previous: MonitoringLink | null,
  health: LinkHealth,
  now: number,
): MonitoringLink {
  if (health.backend === 'none') {
    return { backend: 'none', reachable: false, problem: health.problem, since: null };
  }
  if (health.problem === null) {
    return { backend: health.backend, reachable: true, problem: null, since: null };
  }
  // An outage keeps its start while its words change (status.dat stale, then the FIFO gone too).
  const ongoing = previous?.backend === health.backend && previous.since !== null;
  return {
    backend: health.backend,
    reachable: false,
    problem: health.problem,
    since: ongoing ? previous.since : new Date(now).toISOString(),
  };
}

function sameLink(a: MonitoringLink, b: MonitoringLink): boolean {
  return (
    a.backend === b.backend &&
    a.reachable === b.reachable &&
    a.problem === b.problem &&
    a.since === b.since
  );
}

/** Today's Nagios link: its command file and its status.dat, as nagios-watch reports them. */
export function nagiosLinkHealth(health: Health): LinkHealth {
  const problems = [health.problemOf('nagios-commands'), health.problemOf('nagios-status')];
  const problem = problems.filter((p) => p !== null).join('; ');
  return { backend: 'nagios', problem: problem === '' ? null : problem };
}

export class MonitoringStatus {
  private link: MonitoringLink;

  constructor(
    private readonly read: () => LinkHealth,
    private readonly onChange: (link: MonitoringLink) => void,
    now = Date.now(),
  ) {
    this.link = nextLink(null, read(), now);
  }

  get current(): MonitoringLink {
    return this.link;
  }

  /** Reads the link's health again; tells `onChange` only when something a console shows changed. */
  refresh(now = Date.now()): void {
    const next = nextLink(this.link, this.read(), now);
    if (sameLink(next, this.link)) return;
    this.link = next;
    this.onChange(next);
  }
}
