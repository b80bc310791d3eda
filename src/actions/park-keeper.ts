// Keeps parked slaves muted: before a park's downtime ends, schedules the next one (same author
// and comment, so an unpark still finds them all), records its end on the park and logs it for
// the audit. Single-owner work: one object, started and closed by the collector.
import { renewalDue, type Park } from '../domain/park.js';
import type { Monitor, SlaveRef } from '../monitoring/monitor.js';
import type { ParkLedger, ParkSettings } from './park-actions.js';

export interface KeeperParts {
  ledger: ParkLedger;
  settings: ParkSettings;
  monitor: Monitor;
  slave: (name: string) => SlaveRef | undefined;
  /** One audit line per renewal round (`"audit":"park-renewal"`). */
  audit: (fields: Record<string, unknown>, msg: string) => void;
  warn: (fields: Record<string, unknown>, msg: string) => void;
}

/** How often parks are looked at; a renewal is due `renew_before` ahead, far longer than this. */
const ROUND_MS = 1000;
/** After a failed renewal, the slave is tried again this much later (not every round). */
const RETRY_MS = 30_000;

export class ParkKeeper {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** Parks loaded without a downtime (a stop between recording and muting): muted at start. */
  private unmuted = new Set<string>();
  private readonly retryAt = new Map<string, number>();

  constructor(private readonly parts: KeeperParts) {}

  start(): void {
    // A park recorded from now on gets its first downtime from its own action, not from here.
    this.unmuted = new Set(
      this.parts.ledger
        .all()
        .filter((p) => p.downtimeEnd === null)
        .map((p) => p.slave),
    );
    this.timer = setInterval(() => void this.round(Date.now()), ROUND_MS);
    this.timer.unref();
    void this.round(Date.now());
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Schedules the next downtime of every park whose downtime ends within `renew_before`. */
  private async round(now: number): Promise<void> {
    if (this.running || this.timer === null) return;
    this.running = true;
    try {
      const due = this.parts.ledger.all().filter((p) => this.due(p, now));
      for (const group of groupByDowntime(due)) await this.renew(group, now);
    } finally {
      this.running = false;
    }
  }

  private due(park: Park, now: number): boolean {
    if ((this.retryAt.get(park.slave) ?? 0) > now) return false;
    if (park.downtimeEnd === null) return this.unmuted.has(park.slave);
    return renewalDue(park, now, this.parts.settings.renewBeforeSeconds * 1000);
  }

  /** Parks sharing an author and a comment: one downtime request for all of them. */
  private async renew(parks: readonly Park[], now: number): Promise<void> {
    const { monitor, settings, ledger } = this.parts;
    const start = Math.floor(now / 1000) * 1000;
    const end = start + settings.downtimeSeconds * 1000;
    const { by: author, comment } = parks[0]!;
    const targets = parks.map((p) => this.parts.slave(p.slave) ?? { name: p.slave });
    const answers = await monitor
      .act({ kind: 'downtime', start, end, fixed: true, author, comment }, targets)
      .catch((err: Error) =>
        targets.map((t) => ({ slave: t.name, outcome: 'unsent' as const, reason: err.message })),
      );
    const renewed: Park[] = [];
    const failed: Array<{ slave: string; reason: string }> = [];
    for (const a of answers) {
      const park = ledger.get(a.slave);
      // Unparked (or parked again) while the request was out: that park is not this one.
      if (!park || park.actionId !== parks.find((p) => p.slave === a.slave)?.actionId) continue;
      if ('reason' in a) failed.push({ slave: a.slave, reason: a.reason });
      else renewed.push({ ...park, downtimeEnd: end });
    }
    for (const f of failed) this.retryAt.set(f.slave, now + RETRY_MS);
    if (failed.length > 0) {
      this.parts.warn(
        {
          slaves: failed.slice(0, 20).map((f) => f.slave),
          count: failed.length,
          reason: failed[0]!.reason,
        },
        `cannot renew the downtime of parked slaves; trying again in ${RETRY_MS / 1000}s`,
      );
    }
    if (renewed.length === 0) return;
    try {
      await ledger.save(renewed);
    } catch (err) {
      this.parts.warn({ reason: (err as Error).message }, "cannot record a park downtime's end");
    }
    for (const p of renewed) {
      this.unmuted.delete(p.slave);
      this.retryAt.delete(p.slave);
    }
    this.parts.audit(
      {
        audit: 'park-renewal',
        author: 'corral',
        for: author,
        slaves: renewed.slice(0, 20).map((p) => p.slave),
        count: renewed.length,
        until: new Date(end).toISOString(),
      },
      `corral renewed the park downtime of ${renewed.length} slave${renewed.length === 1 ? '' : 's'} until ${new Date(end).toISOString()}`,
    );
  }
}

function groupByDowntime(parks: readonly Park[]): Park[][] {
  const groups = new Map<string, Park[]>();
  for (const p of parks) {
    const key = JSON.stringify([p.by, p.comment]);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()];
}
