// Which slave each of Icinga's per-object results speaks of, and the bounded queue of results
// waiting for Icinga: pure parts, tested on Icinga 2.13's own wording.
import { describe, expect, test } from 'vitest';
import { ResultQueue } from '../../../src/icinga2/result-queue.js';
import { answersOf, groupTargets, SERVICES_FILTER } from '../../../src/icinga2/selection.js';

const t = (slave: string, service = 'buildbot-start') => ({
  slave,
  target: { host: slave, service },
});

describe('groupTargets', () => {
  test('groups by service, bounded in size, names only in filter_vars', () => {
    const groups = groupTargets([t('a'), t('b'), t('c', 'other'), t('d')], 2);
    expect(groups.map((g) => [...g.slaves.values()])).toEqual([['a', 'b'], ['c'], ['d']]);
    for (const g of groups) expect(g.selection.filter).toBe(SERVICES_FILTER);
    expect(groups[0]!.selection.filter_vars).toEqual({
      corral_service: 'buildbot-start',
      corral_hosts: Object.assign(Object.create(null), { a: true, b: true }),
    });
  });

  test('a host named __proto__ is a key like any other', () => {
    const [g] = groupTargets([t('__proto__')]);
    expect(JSON.stringify(g!.selection.filter_vars.corral_hosts)).toBe('{"__proto__":true}');
  });
});

describe('answersOf', () => {
  const [group] = groupTargets([t('s1'), t('s2'), t('s3'), t('ss1')]);
  test('reads each result by the object it names; an unmatched slave has no service', () => {
    const answers = answersOf(
      {
        results: [
          {
            code: 200,
            status: "Successfully processed check result for object 'ss1!buildbot-start'.",
          },
          { code: 409, status: 'Service s1!buildbot-start is OK.' },
          {
            code: 200,
            name: 's2!buildbot-start!3f2a',
            status:
              "Successfully scheduled downtime 's2!buildbot-start!3f2a' for object 's2!buildbot-start'.",
          },
        ],
      },
      group!,
    );
    expect(answers).toEqual([
      {
        slave: 's1',
        ok: false,
        reason: 'Icinga 2 refused it (409): Service s1!buildbot-start is OK.',
      },
      expect.objectContaining({ slave: 's2', ok: true }),
      {
        slave: 's3',
        ok: false,
        reason:
          'Icinga 2 has no service "buildbot-start" on host "s3": define it (corral icinga2-config) and reload Icinga 2',
      },
      expect.objectContaining({ slave: 'ss1', ok: true }),
    ]);
  });

  test('a dropped passive result is not done; a refusal naming no object refuses the rest', () => {
    const answers = answersOf(
      {
        results: [
          {
            code: 200,
            status: "Ignoring passive check result for unreachable object 's1!buildbot-start'.",
          },
          { code: 400, status: "Parameter 'exit_status' is required." },
        ],
      },
      group!,
    );
    expect(answers.map((a) => a.ok)).toEqual([false, false, false, false]);
    expect(answers[1]).toMatchObject({
      reason: "Icinga 2 refused it (400): Parameter 'exit_status' is required.",
    });
  });

  test("one refusal among an object's several results stays", () => {
    const answers = answersOf(
      {
        results: [
          { code: 400, status: "Invalid downtime 's1!buildbot-start!x'." },
          {
            code: 200,
            status: "Successfully removed downtime 's1!buildbot-start!y' and 0 child downtimes.",
          },
        ],
      },
      group!,
    );
    expect(answers[0]).toMatchObject({ slave: 's1', ok: false });
  });

  test('an answer that is not Icinga shape refuses nothing by accident: every slave is unmatched', () => {
    expect(answersOf(null, group!).every((a) => !a.ok)).toBe(true);
  });
});

describe('ResultQueue', () => {
  const r = (name: string, text: string) => ({
    slave: { name },
    state: 0 as const,
    output: { text },
  });
  test('keeps each slave newest, oldest first; past its limit drops the oldest and counts them', () => {
    const q = new ResultQueue(2);
    q.put(r('a', '1'));
    q.put(r('b', '1'));
    q.put(r('a', '2'));
    expect(q.size).toBe(2);
    q.put(r('c', '1'));
    expect(q.takeDropped()).toBe(1);
    expect(q.take(10).map((x) => `${x.slave.name}${x.output.text}`)).toEqual(['a2', 'c1']);
    expect(q.size).toBe(0);
    expect(q.takeDropped()).toBe(0);
  });
});
