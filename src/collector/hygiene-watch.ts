// The hygiene list (domain/hygiene.ts) as it stands, computed at most once a second from the
// slaves that something mutes or that are parked (the others cannot be on it), told to consoles
// when it changes.
import { hygieneOf, type HygieneRules } from '../domain/hygiene.js';
import type { HygieneItem } from '../domain/protocol.js';
import type { Fleet } from './fleet.js';

export class HygieneWatch {
  private items: HygieneItem[] = [];
  private shown = '[]';

  constructor(
    private readonly fleet: Fleet,
    private readonly rules: HygieneRules,
    private readonly changed: (items: HygieneItem[]) => void,
  ) {}

  /** The list as last computed. */
  get current(): HygieneItem[] {
    return this.items;
  }

  /** Computes the list again (the collector's tick); tells `changed` when it differs. */
  refresh(now: number): void {
    const slaves = [];
    for (const r of this.fleet.all()) {
      // Only a muted or parked slave can be on the list.
      if ((r.mutes?.length ?? 0) === 0 && !r.muted && this.fleet.park(r.name) === undefined) {
        continue;
      }
      const view = this.fleet.view(r.name, now);
      if (view) slaves.push({ view, starts: r.starts });
    }
    const items = hygieneOf(slaves, now, this.rules);
    const text = JSON.stringify(items);
    if (text === this.shown) return;
    this.items = items;
    this.shown = text;
    this.changed(items);
  }
}
