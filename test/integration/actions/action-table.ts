// The action cases every monitoring backend must pass, one table: each asks the real collector for
// an action over HTTP, then checks the action's record and the monitoring system's own state (read
// by the backend harness, never through corral) and the slave as the collector shows it.
import { expect } from 'vitest';
import type { ActionView } from '../../../src/domain/protocol.js';
import type { SlaveDetail } from '../../../src/domain/slave.js';
import { getJson, postJson, waitFor, type RunningCollector } from '../../support/collector.js';
import type { Backend } from './backends.js';

export const OPERATOR = 'operator-token-0123456789';
export const TABLE_SLAVES = [
  ...Array.from({ length: 33 }, (_, i) => `talos-${String(i).padStart(2, '0')}`),
  'crit-1',
  'crit-2',
  'ok-1',
  'recheck-1',
];
/** In the collector's inventory, not in the monitoring system. */
export const UNMONITORED = 'unmonitored-1';

export interface TableContext {
  collector: RunningCollector;
  backend: Backend;
  beat(slave: string, body?: Record<string, unknown>): Promise<void>;
  /** Posts an action and resolves with its record once it finished. */
  act(body: Record<string, unknown>): Promise<ActionView>;
  slave(name: string): Promise<SlaveDetail>;
}

export function tableContext(collector: RunningCollector, backend: Backend): TableContext {
  const op = { authorization: `Bearer ${OPERATOR}` };
  return {
    collector,
    backend,
    async beat(slave, body = {}) {
      const r = await postJson(`${collector.url}/api/v1/heartbeats`, { slave, ...body }, op);
      expect(r.status).toBe(202);
    },
    async act(body) {
      const r = await postJson(`${collector.url}/api/v1/actions`, body, op);
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
      const id =
        (r.body as { action?: ActionView }).action?.id ?? (r.body as unknown as ActionView).id;
      return waitFor(
        async () => {
          const a = await getJson<{ action: ActionView }>(
            `${collector.url}/api/v1/actions/${id}`,
            op,
          );
          return a.body.action?.finishedAt ? a.body.action : null;
        },
        30_000,
        `action ${id} finished`,
      );
    },
    async slave(name) {
      return (await getJson<{ slave: SlaveDetail }>(`${collector.url}/api/v1/slaves/${name}`, op))
        .body.slave;
    },
  };
}

const status = (a: ActionView, slave: string) => a.targets.find((t) => t.slave === slave);

export interface TableCase {
  name: string;
  run(ctx: TableContext): Promise<void>;
}

export const ACTION_TABLE: TableCase[] = [
  {
    name: 'a heartbeat reaches the service: a start OK with its master, a critical report CRITICAL',
    async run(ctx) {
      await ctx.beat('ok-1', { master: 'bm01' });
      await ctx.beat('crit-1', { kind: 'critical', message: 'disk full on /builds' });
      await ctx.beat('crit-2', { kind: 'critical', message: 'cannot reach bm02' });
      const ok = await waitFor(
        async () => {
          const s = await ctx.backend.service('ok-1');
          return s?.state === 0 ? s : null;
        },
        20_000,
        'ok-1 OK',
      );
      expect(ok).toMatchObject({ output: 'buildbot started on bm01' });
      const crit = await waitFor(
        async () => {
          const s = await ctx.backend.service('crit-1');
          return s?.state === 2 ? s : null;
        },
        20_000,
        'crit-1 CRITICAL',
      );
      expect(crit.output).toBe('disk full on /builds');
    },
  },
  {
    name: 'a 20-slave downtime is done on each, in the monitoring system, muting each slave; then cancelled',
    async run(ctx) {
      const targets = TABLE_SLAVES.slice(0, 20);
      const done = await ctx.act({
        kind: 'downtime',
        targets,
        params: { comment: 'rack move', duration: '2h' },
      });
      expect(done.counts.confirmed).toBe(20);
      for (const t of targets) {
        const s = await ctx.backend.service(t);
        expect(s?.downtimes).toEqual([
          expect.objectContaining({ author: 'jdoe', comment: 'rack move', fixed: true }),
        ]);
        expect(s!.downtimes[0]!.end - s!.downtimes[0]!.start).toBe(2 * 3600_000);
      }
      const muted = await waitFor(
        async () => (await ctx.slave('talos-07')).muted,
        15_000,
        'talos-07 muted',
      );
      expect(muted).toMatchObject({
        kind: 'downtime',
        author: 'jdoe',
        comment: 'rack move',
        inEffect: true,
      });
      expect((await ctx.slave('talos-07')).nagios).toMatchObject({
        host: 'talos-07',
        service: 'buildbot-start',
        downtimes: [{ author: 'jdoe', comment: 'rack move', fixed: true, inEffect: true }],
      });

      const cancelled = await ctx.act({
        kind: 'cancel-downtime',
        targets: ['talos-00', 'talos-01', 'talos-25'],
      });
      expect(status(cancelled, 'talos-00')?.status).toBe('confirmed');
      expect(status(cancelled, 'talos-25')).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/no downtime/),
      });
      expect((await ctx.backend.service('talos-00'))?.downtimes).toEqual([]);
      expect((await ctx.backend.service('talos-02'))?.downtimes).toHaveLength(1);
      await waitFor(
        async () => (await ctx.slave('talos-00')).muted === null,
        15_000,
        'talos-00 unmuted',
      );
    },
  },
  {
    name: 'an acknowledgement is done on a problem and refused, saying why, on an OK service; then removed',
    async run(ctx) {
      const acked = await ctx.act({
        kind: 'ack',
        targets: ['crit-1', 'ok-1'],
        params: { comment: 'disk ordered' },
      });
      expect(status(acked, 'crit-1')?.status).toBe('confirmed');
      expect(status(acked, 'ok-1')).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/OK/),
      });
      expect((await ctx.backend.service('crit-1'))?.acknowledgement).toEqual({
        author: 'jdoe',
        comment: 'disk ordered',
      });
      expect((await ctx.backend.service('ok-1'))?.acknowledgement).toBeNull();
      const muted = await waitFor(
        async () => (await ctx.slave('crit-1')).muted,
        15_000,
        'crit-1 muted',
      );
      expect(muted).toMatchObject({
        kind: 'acknowledgement',
        author: 'jdoe',
        comment: 'disk ordered',
      });

      const removed = await ctx.act({ kind: 'remove-ack', targets: ['crit-1'] });
      expect(status(removed, 'crit-1')?.status).toBe('confirmed');
      expect((await ctx.backend.service('crit-1'))?.acknowledgement).toBeNull();
      await waitFor(
        async () => (await ctx.slave('crit-1')).muted === null,
        15_000,
        'crit-1 unmuted',
      );
    },
  },
  {
    name: 'a recheck submits the slave state as corral sees it now',
    async run(ctx) {
      await ctx.beat('recheck-1', { master: 'bm07' });
      await waitFor(
        async () => (await ctx.backend.service('recheck-1'))?.state === 0,
        20_000,
        'recheck-1 OK',
      );
      const before = Date.now();
      const done = await ctx.act({ kind: 'recheck', targets: ['recheck-1'] });
      expect(status(done, 'recheck-1')?.status).toBe('confirmed');
      const s = await ctx.backend.service('recheck-1');
      expect(s?.output).toMatch(/^OK - buildbot started \d+s ago on bm07$/);
      expect(s!.lastCheck!).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    },
  },
  {
    name: "each downtime names the action that made it; an undo removes exactly that action's, crafted comment and all",
    async run(ctx) {
      const comment = `undo "me" || host.name == "talos-29\n[0] DEL_ALL_SVC_DOWNTIME;talos-29;buildbot-start`;
      const undone = await ctx.act({
        kind: 'downtime',
        targets: ['talos-23', 'talos-24'],
        params: { comment, duration: '2h' },
      });
      const kept = await ctx.act({
        kind: 'downtime',
        targets: ['talos-23', 'talos-24', 'talos-29'],
        params: { comment: 'keep me', duration: '2h' },
      });
      expect([undone.counts.confirmed, kept.counts.confirmed]).toEqual([2, 3]);
      const made = await waitFor(
        async () => {
          const mutes = (await ctx.slave('talos-23')).mutes;
          return mutes.length === 2 ? mutes : null;
        },
        15_000,
        'talos-23 in both downtimes',
      );
      expect(made.map((m) => ('actionId' in m ? m.actionId : undefined)).sort()).toEqual(
        [undone.id, kept.id].sort(),
      );

      const undo = await ctx.act({
        kind: 'undo',
        targets: ['talos-23', 'talos-24'],
        params: { actionId: undone.id },
      });
      expect(undo.counts.confirmed).toBe(2);
      for (const t of ['talos-23', 'talos-24', 'talos-29']) {
        expect((await ctx.backend.service(t))?.downtimes).toEqual([
          expect.objectContaining({ author: 'jdoe', comment: 'keep me' }),
        ]);
      }
      const op = { authorization: `Bearer ${OPERATOR}` };
      const after = await getJson<{ action: ActionView }>(
        `${ctx.collector.url}/api/v1/actions/${undone.id}`,
        op,
      );
      expect(after.body.action.undoneBy).toEqual({ actionId: undo.id, by: 'jdoe' });
    },
  },
  {
    name: 'a slave the monitoring system lacks fails alone, naming the missing service',
    async run(ctx) {
      const done = await ctx.act({
        kind: 'downtime',
        targets: ['talos-25', UNMONITORED],
        params: { comment: 'mixed', duration: '1h' },
      });
      expect(status(done, 'talos-25')?.status).toBe('confirmed');
      expect(status(done, UNMONITORED)).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/has no service "buildbot-start" on host "unmonitored-1"/),
      });
    },
  },
  {
    name: 'a crafted comment is stored as one line of text and touches no other slave',
    async run(ctx) {
      const comment = `x" || host.name == "talos-27\n[0] DEL_ALL_SVC_DOWNTIME;talos-28;buildbot-start}} \u001b[2J`;
      const done = await ctx.act({
        kind: 'downtime',
        targets: ['talos-26'],
        params: { comment, duration: '1h' },
      });
      expect(status(done, 'talos-26')?.status).toBe('confirmed');
      const [d] = (await ctx.backend.service('talos-26'))!.downtimes;
      expect(d!.comment).not.toContain('\n');
      expect(d!.comment).not.toContain('\u001b');
      expect(d!.comment).toContain('x" || host.name == "talos-27');
      expect((await ctx.backend.service('talos-27'))?.downtimes).toEqual([]);
      expect((await ctx.backend.service('talos-28'))?.downtimes).toEqual([]);
      expect((await ctx.backend.service('talos-10'))?.downtimes).toHaveLength(1);
    },
  },
  {
    name: "a park mutes with the park's downtime; an unpark cancels exactly it, not the operator's own",
    async run(ctx) {
      const own = await ctx.act({
        kind: 'downtime',
        targets: ['talos-22'],
        params: { comment: 'rack move', duration: '1h' },
      });
      expect(status(own, 'talos-22')?.status, JSON.stringify(own.targets)).toBe('confirmed');
      const parked = await ctx.act({
        kind: 'park',
        targets: ['talos-21', 'talos-22'],
        params: { reason: 'old 0.7 master', owner: 'releng', review: '30d' },
      });
      expect(parked.counts.confirmed).toBe(2);
      for (const t of ['talos-21', 'talos-22']) {
        const d = (await ctx.backend.service(t))!.downtimes.find((x) =>
          x.comment.startsWith('parked'),
        );
        expect(d).toMatchObject({ author: 'jdoe', comment: 'parked: old 0.7 master', fixed: true });
        expect(d!.end - d!.start).toBe(7 * 86400_000);
        expect((await ctx.slave(t)).parked).toMatchObject({ by: 'jdoe', owner: 'releng' });
      }
      const unparked = await ctx.act({ kind: 'unpark', targets: ['talos-21', 'talos-22'] });
      expect(unparked.counts.confirmed).toBe(2);
      expect((await ctx.backend.service('talos-21'))?.downtimes).toEqual([]);
      expect((await ctx.backend.service('talos-22'))?.downtimes).toEqual([
        expect.objectContaining({ author: 'jdoe', comment: 'rack move' }),
      ]);
      expect((await ctx.slave('talos-22')).parked).toBeNull();
    },
  },
  {
    name: 'a downtime is extended and shortened in place: new end, same author, comment, start and kind; one action',
    async run(ctx) {
      const targets = ['talos-30', 'talos-31'];
      const made = await ctx.act({
        kind: 'downtime',
        targets,
        params: { comment: 'slow pool', duration: '2h' },
      });
      expect(made.counts.confirmed, JSON.stringify(made.targets)).toBe(2);
      const [before] = (await ctx.backend.service('talos-30'))!.downtimes;
      const extended = await ctx.act({
        kind: 'extend-downtime',
        targets: [...targets, 'talos-32'],
        params: { extend: '7d' },
      });
      expect(extended, JSON.stringify(extended.targets)).toMatchObject({
        outcome: 'done',
        counts: { confirmed: 2, skipped: 1 },
      });
      expect(status(extended, 'talos-32')).toMatchObject({ error: 'no downtime to move' });
      for (const t of targets) {
        expect((await ctx.backend.service(t))?.downtimes).toEqual([
          {
            author: 'jdoe',
            comment: 'slow pool',
            start: before!.start,
            end: before!.end + 7 * 86_400_000,
            fixed: true,
          },
        ]);
      }
      const shortened = await ctx.act({
        kind: 'extend-downtime',
        targets: ['talos-31'],
        params: { extend: '-1h' },
      });
      expect(status(shortened, 'talos-31')?.status).toBe('confirmed');
      expect((await ctx.backend.service('talos-31'))?.downtimes).toEqual([
        expect.objectContaining({
          start: before!.start,
          end: before!.end + 7 * 86_400_000 - 3_600_000,
        }),
      ]);
    },
  },
];
