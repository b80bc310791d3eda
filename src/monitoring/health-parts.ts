// What a monitoring backend needs of the collector's /healthz: to say its own parts' trouble and
// read it back. The collector's Health satisfies it; it lives here so monitoring never imports the
// collector.

/** The /healthz parts a monitoring backend reports; the names are what /healthz shows. */
export type MonitoringPart = 'nagios-commands' | 'nagios-status' | 'nagios-relay';

export interface HealthParts {
  /** A part says what is wrong with it now, or `null` once it is well again. */
  set(part: MonitoringPart, problem: string | null): void;
  problemOf(part: MonitoringPart): string | null;
  /** Every part in trouble (not only ours), each since when (ISO). */
  report(): { problems: { part: string; problem: string; since: string }[] };
}
