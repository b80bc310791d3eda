// Properties over hostile input (issue 17's fuzz suite): a heartbeat body, an action request and a
// stream frame are each accepted whole or refused with one printable line; nothing throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActionRefused, planAction } from '../../../src/actions/request.js';
import { loadSettings } from '../../../src/collector/config.js';
import { readConsoleRequest } from '../../../src/collector/console-request.js';
import { heartbeatsFromBody } from '../../../src/collector/ingest.js';
import { MESSAGE_MAX_LENGTH } from '../../../src/domain/heartbeat.js';
import { isSlaveName } from '../../../src/domain/names.js';
import { ACTION_KINDS } from '../../../src/domain/protocol.js';
import { MAX_DOWNTIME_SECONDS } from '../../../src/domain/downtime-window.js';
import { UNSAFE, actionBody, heartbeatBody, junk, nastyText } from '../../support/hostile.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const RUNS = { numRuns: 1000 };

describe('a heartbeat body', () => {
  const limits = { ...loadSettings(undefined).limits, batch: 4 };

  it('is accepted whole, valid, or refused with one printable line naming a field', () => {
    fc.assert(
      fc.property(heartbeatBody(NOW), (body) => {
        const r = heartbeatsFromBody(body, limits, NOW);
        if (!r.ok) {
          expect(r.problem.error).not.toBe('');
          expect(r.problem.error).not.toMatch(UNSAFE);
          expect(typeof r.problem.field).toBe('string');
          return;
        }
        expect(r.heartbeats).toHaveLength(Array.isArray(body) ? body.length : 1);
        expect(r.heartbeats.length).toBeLessThanOrEqual(limits.batch);
        for (const h of r.heartbeats) {
          expect(isSlaveName(h.slave)).toBe(true);
          expect(['start', 'critical']).toContain(h.kind);
          expect((h.message ?? '').length).toBeLessThanOrEqual(MESSAGE_MAX_LENGTH);
          expect(NOW - h.at).toBeLessThanOrEqual(limits.atMaxPastSeconds * 1000);
          expect(h.at - NOW).toBeLessThanOrEqual(limits.atMaxAheadSeconds * 1000);
        }
      }),
      RUNS,
    );
  });

  it('treats an own __proto__ key as an unknown field', () => {
    const r = heartbeatsFromBody(JSON.parse('{"slave":"a","__proto__":{"x":1}}'), limits, NOW);
    expect(r).toMatchObject({ ok: false, problem: { field: '__proto__' } });
  });
});

describe('an action request', () => {
  const known = ['talos-001', 'talos-002', 'crit-1'];
  const ctx = { now: NOW, author: 'jdoe', known: (n: string) => known.includes(n) };

  it('is planned, or refused as a whole as invalid (a 400) with one printable line', () => {
    fc.assert(
      fc.property(actionBody(NOW, known), (body) => {
        let planned;
        try {
          planned = planAction(body, ctx);
        } catch (err) {
          expect(err).toBeInstanceOf(ActionRefused);
          const refused = err as ActionRefused;
          expect(refused.reason).toBe('invalid');
          expect(refused.message).not.toBe('');
          expect(refused.message).not.toMatch(UNSAFE);
          return;
        }
        expect(ACTION_KINDS).toContain(planned.kind);
        expect(new Set(planned.targets).size).toBe(planned.targets.length);
        expect(planned.targets.every((t) => known.includes(t))).toBe(true);
        const p = planned.params;
        if (p.comment !== undefined) {
          expect(p.comment).not.toBe('');
          expect(p.comment).not.toMatch(/[;\r\n]/);
          expect(p.comment).not.toMatch(UNSAFE);
        }
        if (planned.kind === 'downtime') {
          const start = Date.parse(p.start!);
          const end = Date.parse(p.end!);
          expect(end).toBeGreaterThan(start);
          expect(end).toBeGreaterThan(NOW);
          expect(p.durationSeconds).toBeGreaterThan(0);
          expect(p.durationSeconds).toBeLessThanOrEqual(MAX_DOWNTIME_SECONDS);
        }
      }),
      RUNS,
    );
  });
});

describe('a flexible downtime', () => {
  const ctx = { now: NOW, author: 'jdoe', known: () => true };
  const plan = (duration: string) =>
    planAction(
      {
        kind: 'downtime',
        targets: ['a'],
        params: { comment: 'c', flexible: true, duration, until: '2026-11-25T14:00:00Z' },
      },
      ctx,
    );

  it('lasts at most 366 days, like its window', () => {
    expect(plan('366d').params.durationSeconds).toBe(MAX_DOWNTIME_SECONDS);
    expect(() => plan('367d')).toThrow(/params.duration: a downtime lasts at most 366 days/);
    expect(() => plan('9999w')).toThrow(ActionRefused);
  });
});

describe('a stream frame from a console', () => {
  const frame = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record(
        { type: fc.oneof(fc.constantFrom('resync', 'action'), junk), requestId: junk },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  );

  it('is a resync, an action with a bounded requestId, or an error to answer', () => {
    fc.assert(
      fc.property(frame, fc.boolean(), (text, isBinary) => {
        const r = readConsoleRequest(text, isBinary);
        if (isBinary) expect(r.type).toBe('invalid');
        if (r.type === 'invalid') expect(r.error).not.toMatch(UNSAFE);
        if (r.type === 'action') {
          expect(r.requestId.length).toBeGreaterThan(0);
          expect(r.requestId.length).toBeLessThanOrEqual(128);
          expect(r.body).not.toHaveProperty('type');
          expect(r.body).not.toHaveProperty('requestId');
        }
      }),
      RUNS,
    );
  });

  it.each([
    ['{"type":"resync"}', 'resync'],
    ['{"type":"action","requestId":"r1","kind":"recheck"}', 'action'],
    ['{"type":"action"}', 'invalid'],
    ['{"type":"action","requestId":""}', 'invalid'],
    [`{"type":"action","requestId":"${'r'.repeat(129)}"}`, 'invalid'],
    ['[{"type":"resync"}]', 'invalid'],
    ['null', 'invalid'],
    ['{"type":', 'invalid'],
  ])('%s is %s', (text, type) => {
    expect(readConsoleRequest(text, false).type).toBe(type);
  });

  it('nasty text is never an action', () => {
    fc.assert(
      fc.property(nastyText, (text) => {
        expect(readConsoleRequest(text, false).type).not.toBe('action');
      }),
    );
  });
});
