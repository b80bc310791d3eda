// When status.dat shows an action done on a target, and what fails a target before it is sent.
import { describe, expect, it } from 'vitest';
import type { ActionFacts } from '../../../src/domain/action-facts.js';
import { isConfirmed, precheck } from '../../../src/nagios/confirm.js';
import { parseStatus } from '../../../src/nagios/status-file.js';

const T = { host: 's1', service: 'buildbot-start' };
const AT = 1_774_000_000_000; // whole seconds

function status(extra: string, service: Record<string, string | number> = {}): string {
  const fields = {
    host_name: 's1',
    service_description: 'buildbot-start',
    current_state: 2,
    last_check: AT / 1000 - 5,
    has_been_checked: 1,
    problem_has_been_acknowledged: 0,
    acknowledgement_type: 0,
    ...service,
  };
  return [
    'info {',
    `\tcreated=${AT / 1000}`,
    '\t}',
    'programstatus {',
    '\tnagios_pid=1',
    '\t}',
    'servicestatus {',
    ...Object.entries(fields).map(([k, v]) => `\t${k}=${v}`),
    '\t}',
    extra,
  ].join('\n');
}

const downtime = (f: Record<string, string | number>) =>
  [
    'servicedowntime {',
    ...Object.entries({
      host_name: 's1',
      service_description: 'buildbot-start',
      downtime_id: 7,
      entry_time: AT / 1000,
      start_time: AT / 1000,
      end_time: AT / 1000 + 7200,
      fixed: 1,
      is_in_effect: 1,
      author: 'jdoe',
      comment: 'why',
      ...f,
    }).map(([k, v]) => `\t${k}=${v}`),
    '\t}',
  ].join('\n');

const dt: ActionFacts = {
  kind: 'downtime',
  author: 'jdoe',
  at: AT,
  params: {
    comment: 'why',
    start: new Date(AT).toISOString(),
    end: new Date(AT + 7200_000).toISOString(),
    fixed: true,
  },
};

describe('isConfirmed', () => {
  it('a downtime: only one with the same author, comment, times and kind counts', () => {
    expect(isConfirmed(dt, parseStatus(status(downtime({}))), T)).toBe(true);
    expect(isConfirmed(dt, parseStatus(status(downtime({ author: 'other' }))), T)).toBe(false);
    expect(isConfirmed(dt, parseStatus(status(downtime({ comment: 'other' }))), T)).toBe(false);
    expect(isConfirmed(dt, parseStatus(status(downtime({ end_time: AT / 1000 + 60 }))), T)).toBe(
      false,
    );
    expect(isConfirmed(dt, parseStatus(status(downtime({ fixed: 0 }))), T)).toBe(false);
    expect(isConfirmed(dt, parseStatus(status('')), T)).toBe(false);
  });

  it('a cancel: done once no downtime entered before the action remains', () => {
    const cancel: ActionFacts = { ...dt, kind: 'cancel-downtime', at: AT + 1000 };
    expect(isConfirmed(cancel, parseStatus(status(downtime({}))), T)).toBe(false);
    expect(isConfirmed(cancel, parseStatus(status('')), T)).toBe(true);
    const newer = downtime({ entry_time: AT / 1000 + 5 });
    expect(isConfirmed(cancel, parseStatus(status(newer)), T)).toBe(true);
  });

  it("an acknowledgement: acknowledged, by the action's author", () => {
    const ack: ActionFacts = { kind: 'ack', author: 'jdoe', at: AT, params: { comment: 'c' } };
    const comment = (author: string) =>
      `servicecomment {\n\thost_name=s1\n\tservice_description=buildbot-start\n\tentry_type=4\n\tentry_time=${AT / 1000}\n\tauthor=${author}\n\tcomment_data=c\n\t}`;
    const acked = { problem_has_been_acknowledged: 1, acknowledgement_type: 2 };
    expect(isConfirmed(ack, parseStatus(status(comment('jdoe'), acked)), T)).toBe(true);
    expect(isConfirmed(ack, parseStatus(status(comment('other'), acked)), T)).toBe(false);
    expect(isConfirmed(ack, parseStatus(status(comment('jdoe'))), T)).toBe(false);
    const remove: ActionFacts = { ...ack, kind: 'remove-ack' };
    expect(isConfirmed(remove, parseStatus(status('', acked)), T)).toBe(false);
    expect(isConfirmed(remove, parseStatus(status('')), T)).toBe(true);
  });

  it("a recheck: a check result in or after the action's second", () => {
    const recheck: ActionFacts = { kind: 'recheck', author: 'jdoe', at: AT + 999, params: {} };
    expect(isConfirmed(recheck, parseStatus(status('')), T)).toBe(false);
    expect(isConfirmed(recheck, parseStatus(status('', { last_check: AT / 1000 })), T)).toBe(true);
  });
});

describe('precheck', () => {
  it('fails a target Nagios has no service for, and an ack of an OK service', () => {
    const s = parseStatus(status('', { current_state: 0 }));
    expect(precheck('downtime', s, { host: 's9', service: 'buildbot-start' })).toContain(
      'Nagios has no service "buildbot-start" on host "s9"',
    );
    expect(precheck('ack', s, T)).toBe('Nagios shows it OK: there is no problem to acknowledge');
    expect(precheck('downtime', s, T)).toBeNull();
    expect(precheck('ack', parseStatus(status('')), T)).toBeNull();
    expect(precheck('ack', parseStatus(status('', { has_been_checked: 0 })), T)).toContain(
      'no result for it yet',
    );
  });
});
