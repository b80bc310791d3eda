// The until-back watch takes up downtimes another collector stored (on PostgreSQL the owner ends
// until-back downtimes any collector scheduled). The store here is an array: the watch's own logic
// is what is tested; the PostgreSQL path is docs/ha.md's.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { UntilBackWatch } from '../../../src/collector/until-back-watch.js';
import type { UntilBackDowntime } from '../../../src/domain/until-back.js';

const NOW = Date.now();

function downtime(slave: string, actionId: number): UntilBackDowntime {
  return {
    slave,
    actionId,
    author: 'alice',
    comment: 'rebooting',
    start: Math.floor(NOW / 1000) * 1000 - 60_000,
    fixed: true,
    since: NOW - 60_000,
  };
}

function setUp(stored: UntilBackDowntime[]) {
  const cancelled: string[] = [];
  const watch = new UntilBackWatch({
    load: async () => [...stored],
    save: async () => undefined,
    forget: async () => undefined,
    lastStart: () => null,
    shown: () => true,
    cancel: async (d) => {
      cancelled.push(`${d.slave}/${d.actionId}`);
      return true;
    },
    changed: () => {},
    log: pino({ level: 'silent' }),
  });
  return { watch, cancelled };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('UntilBackWatch.refresh', () => {
  it("takes up a downtime another collector stored after this one started, and ends it at the slave's start", async () => {
    const stored = [downtime('s1', 1)];
    const { watch, cancelled } = setUp(stored);
    await watch.start();
    stored.push(downtime('s2', 2));
    await watch.refresh();
    expect(watch.of('s2').map((d) => d.actionId)).toEqual([2]);
    watch.noteStart('s2', NOW);
    await settled();
    expect(cancelled).toEqual(['s2/2']);
    watch.close();
  });

  it('keeps what it knew once (a refresh adds no second copy)', async () => {
    const stored = [downtime('s1', 1)];
    const { watch } = setUp(stored);
    await watch.start();
    await watch.refresh();
    await watch.refresh();
    expect(watch.of('s1')).toHaveLength(1);
    watch.close();
  });

  it('does nothing while it does not own the work (not started)', async () => {
    const { watch } = setUp([downtime('s1', 1)]);
    await watch.refresh();
    expect(watch.of('s1')).toEqual([]);
  });
});
