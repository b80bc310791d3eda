// resumeChain: a recorded chain taken up again; a command that may have run is never run again.
import { describe, expect, test } from 'vitest';
import { newChain } from '../../../src/reboot/chain.js';
import type { RebootMethod } from '../../../src/reboot/methods.js';
import { recordOf, resumeChain, type RecordedChain } from '../../../src/reboot/resume.js';

const method = (name: string, extra: Partial<RebootMethod> = {}): RebootMethod => ({
  name,
  argv: ['true'],
  timeoutMs: 10_000,
  waitMs: 30_000,
  hands: false,
  ...extra,
});
const methods = [method('ssh'), method('ipmi'), method('hands', { hands: true })];
const record = (over: Partial<RecordedChain>): RecordedChain => ({
  actionId: 7,
  slave: 's1',
  begunAt: 1000,
  index: 0,
  method: 'ssh',
  phase: 'queued',
  since: 1000,
  until: null,
  commandRan: false,
  tried: [],
  ...over,
});

describe('resumeChain', () => {
  test('queued: the method runs (its command had not)', () => {
    const r = resumeChain(record({}), methods, 5000);
    expect(r.resumed && r.chain.state).toEqual({ phase: 'queued', index: 0, since: 1000 });
  });

  test('running: counted as run, the chain waits the method wait for a start, from now', () => {
    const r = resumeChain(record({ phase: 'running', commandRan: true }), methods, 5000);
    expect(r.resumed && r.chain.state).toEqual({
      phase: 'waiting',
      index: 0,
      since: 5000,
      until: 35_000,
    });
    expect(r.resumed && r.reason).toMatch(/not run again/);
  });

  test('running a hands step: the chain ends needing hands, nothing runs again', () => {
    const r = resumeChain(
      record({ index: 2, method: 'hands', phase: 'running', tried: ['ssh: exited 1'] }),
      methods,
      5000,
    );
    expect(r.resumed && r.chain.state).toEqual({
      phase: 'done',
      outcome: 'needs-hands',
      since: 5000,
    });
  });

  test('waiting: the same deadline (one already past is met at once by the scheduler)', () => {
    const r = resumeChain(
      record({ phase: 'waiting', until: 4000, commandRan: true }),
      methods,
      5000,
    );
    expect(r.resumed && r.chain.state).toEqual({
      phase: 'waiting',
      index: 0,
      since: 1000,
      until: 4000,
    });
  });

  test('methods changed meanwhile: not resumed, saying why', () => {
    const r = resumeChain(record({ index: 1, method: 'pdu' }), methods, 5000);
    expect(r).toMatchObject({ resumed: false, reason: expect.stringMatching(/methods changed/) });
    const gone = resumeChain(record({ index: 5, method: 'ssh' }), methods, 5000);
    expect(gone.resumed).toBe(false);
  });

  test('recordOf then resumeChain gives the chain back', () => {
    const chain = {
      ...newChain('s1', methods, 1000),
      state: { phase: 'waiting' as const, index: 1, since: 2000, until: 9000 },
      tried: ['ssh: exited 1'],
    };
    const rec = recordOf(7, chain);
    expect(rec).toMatchObject({ method: 'ipmi', phase: 'waiting', commandRan: true });
    const r = resumeChain(rec, methods, 3000);
    expect(r.resumed && r.chain).toEqual(chain);
  });
});
