// The `nagios:` section of corral.yaml as the Nagios code uses it (read and checked by the
// collector's config), kept with that code so the Nagios backend never imports the collector.
export interface NagiosSettings {
  commandFile: string | null;
  statusFile: string | null;
  objectCacheFile: string | null;
  /** Host name template, `{slave}` is replaced by the slave's name. */
  host: string;
  service: string;
  /** How long an action waits for status.dat to show it before its targets are unconfirmed. */
  confirmWithinSeconds: number;
  /** Nagios's status_update_interval: status.dat older than 3 of these means Nagios is not writing it. */
  statusIntervalSeconds: number;
  /** Nagios is on another host: its relay (`corral nagios-relay`) connects in with a `relay` token. */
  relay: boolean;
}
