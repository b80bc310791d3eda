// The Icinga 2 backend against a real Icinga 2 (objects and ApiUser from `corral icinga2-config`):
// results many per request, actions answered per object, muting read back from the event stream,
// refusals with Icinga's reason, hostile names and comments, the wrong CA or password.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Icinga2Monitor } from '../../../src/icinga2/icinga2-monitor.js';
import { apiPermissions } from '../../../src/icinga2/objects.js';
import { DEFAULT_MAPPING } from '../../../src/nagios/mapping.js';
import type { Answer, MonitorEvents, SlaveRef } from '../../../src/monitoring/monitor.js';
import {
  CORRAL_PASSWORD,
  CORRAL_USER,
  hasIcinga2,
  NODE_NAME,
  startIcinga2,
  type Icinga2Instance,
} from '../../support/icinga2.js';

const LIMITED_PASSWORD = 'limited-password';
const SLAVES = Array.from({ length: 50 }, (_, i) => `ic-${String(i).padStart(2, '0')}`);
const ref = (name: string): SlaveRef => ({ name });
const HOUR = 3_600_000;

function monitorFor(
  icinga: Icinga2Instance,
  over: { ca?: string; password?: string; servername?: string | null; user?: string } = {},
) {
  const ca = over.ca ?? icinga.ca;
  return new Icinga2Monitor({
    target: {
      url: icinga.url,
      ca: { file: ca, pem: readFileSync(ca, 'utf8') },
      servername: over.servername === undefined ? NODE_NAME : over.servername,
      user: over.user ?? CORRAL_USER,
      password: over.password ?? CORRAL_PASSWORD,
    },
    mapping: DEFAULT_MAPPING,
  });
}

const outcomes = (answers: Answer[]) =>
  Object.fromEntries(answers.map((a) => [a.slave, a.outcome]));

describe.skipIf(!hasIcinga2)('the Icinga 2 backend with a real Icinga 2', () => {
  let icinga: Icinga2Instance;
  let monitor: Icinga2Monitor;
  let readBacks = 0;

  beforeAll(async () => {
    icinga = await startIcinga2({
      slaves: SLAVES,
      extra: [
        // A service that refuses passive results, to be refused by.
        'object Host "no-passive" { check_command = "dummy"; enable_active_checks = false }',
        'object Service "buildbot-start" { host_name = "no-passive"; check_command = "dummy"; enable_active_checks = false; enable_passive_checks = false; vars.corral_slave = "no-passive" }',
        // A user that may read everything corral reads but schedule no downtime.
        `object ApiUser "limited" { password = "${LIMITED_PASSWORD}"; permissions = [ ${apiPermissions()
          .filter((p) => p !== 'actions/schedule-downtime')
          .map((p) => `"${p}"`)
          .join(', ')} ] }`,
      ].join('\n'),
    });
    monitor = monitorFor(icinga);
    const events: MonitorEvents = { readBack: () => readBacks++ };
    monitor.subscribe(events);
    await monitor.start();
  });

  afterAll(async () => {
    await monitor?.close();
    await icinga?.cleanup();
  });

  test('is reachable once started, and knows which slaves Icinga has', () => {
    expect(monitor.health()).toEqual({
      backend: 'icinga2',
      reachable: true,
      problem: null,
      since: null,
    });
    expect(monitor.knows(ref('ic-00'))).toBe(true);
    expect(monitor.knows(ref('not-in-icinga'))).toBe(false);
  });

  test('results go many per request and reach each service; a refused one says why', async () => {
    const results = SLAVES.map((name, i) => ({
      slave: ref(name),
      state: (i % 2 === 0 ? 0 : 2) as 0 | 2,
      output: {
        text: i % 2 === 0 ? 'OK - buildbot started on bm01' : 'CRITICAL - cannot reach bm02',
      },
    }));
    const answers = await monitor.submit([
      ...results,
      { slave: ref('no-passive'), state: 0, output: { text: 'OK' } },
    ]);
    expect(outcomes(answers)['ic-00']).toBe('done');
    expect(answers.filter((a) => a.outcome === 'done')).toHaveLength(SLAVES.length);
    const refused = answers.find((a) => a.slave === 'no-passive');
    expect(refused).toMatchObject({ outcome: 'refused' });
    expect(refused && 'reason' in refused && refused.reason).toMatch(/Passive checks are disabled/);
    const s1 = await icinga.service('ic-01');
    expect(s1?.state).toBe(2);
    expect(s1?.last_check_result.output).toBe('CRITICAL - cannot reach bm02');
    expect((await icinga.service('ic-00'))?.state).toBe(0);
    // Read back through the stream: the picture has the new state.
    await icinga.waitFor(async () => monitor.service(ref('ic-01'))?.state === 'CRITICAL');
  });

  test('a bulk downtime is answered per object, read back as muting, and cancelled', async () => {
    const now = Date.now();
    const targets = [...SLAVES.slice(0, 20), 'not-in-icinga'].map(ref);
    const answers = await monitor.act(
      {
        kind: 'downtime',
        start: now,
        end: now + HOUR,
        fixed: true,
        author: 'jdoe',
        comment: 'rack move',
      },
      targets,
    );
    expect(answers.filter((a) => a.outcome === 'done')).toHaveLength(20);
    const missing = answers.find((a) => a.slave === 'not-in-icinga');
    expect(missing && 'reason' in missing && missing.reason).toMatch(
      /Icinga 2 has no service "buildbot-start" on host "not-in-icinga"/,
    );
    expect(await icinga.downtimes('ic-00')).toHaveLength(1);
    const muted = await icinga.waitFor(
      async () => monitor.mutings([ref('ic-19')]).get('ic-19')?.muted,
    );
    expect(muted).toMatchObject({
      kind: 'downtime',
      author: 'jdoe',
      comment: 'rack move',
      inEffect: true,
    });
    expect(monitor.mutings([ref('ic-20')]).get('ic-20')).toEqual({ muted: null, mutes: [] });
    const at = Date.now();
    const facts = {
      kind: 'downtime' as const,
      author: 'jdoe',
      at: now,
      params: {
        comment: 'rack move',
        start: new Date(Math.floor(now / 1000) * 1000).toISOString(),
        end: new Date(Math.floor((now + HOUR) / 1000) * 1000).toISOString(),
        fixed: true,
      },
    };
    expect(monitor.confirmed(facts, ref('ic-00'))).toBe(true);

    const cancelled = await monitor.act({ kind: 'cancel-downtime' }, [ref('ic-00'), ref('ic-20')]);
    expect(outcomes(cancelled)).toEqual({ 'ic-00': 'done', 'ic-20': 'refused' });
    await icinga.waitFor(async () => monitor.mutings([ref('ic-00')]).get('ic-00')?.muted === null);
    expect(await icinga.downtimes('ic-00')).toHaveLength(0);
    expect(
      monitor.confirmed({ kind: 'cancel-downtime', author: 'jdoe', at, params: {} }, ref('ic-00')),
    ).toBe(true);
    expect(readBacks).toBeGreaterThan(0);
  });

  test('an acknowledgement of an OK service is refused with Icinga reason; of a problem, done', async () => {
    const answers = await monitor.act(
      { kind: 'ack', author: 'jdoe', comment: 'known', sticky: true },
      [ref('ic-00'), ref('ic-21')],
    );
    const ok = answers.find((a) => a.slave === 'ic-00');
    expect(ok && 'reason' in ok && ok.reason).toMatch(
      /Icinga 2 refused it \(409\): Service ic-00!buildbot-start is OK/,
    );
    expect(outcomes(answers)['ic-21']).toBe('done');
    const muting = await icinga.waitFor(
      async () => monitor.mutings([ref('ic-21')]).get('ic-21')?.muted,
    );
    expect(muting).toEqual({
      kind: 'acknowledgement',
      author: 'jdoe',
      comment: 'known',
      sticky: true,
    });
    expect(monitor.service(ref('ic-21'))?.acknowledgement).toEqual({
      author: 'jdoe',
      comment: 'known',
      sticky: true,
    });
    expect(outcomes(await monitor.act({ kind: 'remove-ack' }, [ref('ic-21')]))).toEqual({
      'ic-21': 'done',
    });
    await icinga.waitFor(async () => monitor.mutings([ref('ic-21')]).get('ic-21')?.muted === null);
  });

  test('a hostile slave name is refused before sending; a hostile comment is stored as text and touches nothing else', async () => {
    const before = await icinga.downtimes();
    const hostile = `ic-30" || host.name == "ic-31`;
    const comment = `x" && true || "'}} ; [1] DEL_ALL_SVC_DOWNTIME;ic-05\nsecond line`;
    const now = Date.now();
    const answers = await monitor.act(
      { kind: 'downtime', start: now, end: now + HOUR, fixed: true, author: 'jdoe', comment },
      [ref(hostile), ref('ic-32')],
    );
    expect(outcomes(answers)).toEqual({ [hostile]: 'refused', 'ic-32': 'done' });
    const after = await icinga.downtimes();
    expect(after).toHaveLength(before.length + 1);
    const added = after.find((d) => !before.some((b) => b.__name === d.__name));
    expect(added?.host_name).toBe('ic-32');
    // As text, on one line: the quotes and braces are the comment's, nothing was evaluated.
    expect(added?.comment).toContain(`x" && true || "'}} ; [1] DEL_ALL_SVC_DOWNTIME;ic-05`);
    expect(added?.comment).not.toContain('\n');
    expect(await icinga.downtimes('ic-30')).toHaveLength(0);
    expect(await icinga.downtimes('ic-31')).toHaveLength(0);
  });

  test('the wrong CA gives one line naming the CA file; the link says so', async () => {
    const wrong = monitorFor(icinga, { ca: icinga.otherCa });
    try {
      await wrong.start();
      const h = wrong.health();
      expect(h.reachable).toBe(false);
      expect(h.problem).toMatch(
        /^cannot reach Icinga 2 at https:\/\/127\.0\.0\.1:\d+: its certificate is not signed by the CA in .*other-ca\.crt .*set icinga2\.ca/,
      );
      expect(h.problem).not.toMatch(/\n/);
      const answers = await wrong.act({ kind: 'remove-ack' }, [ref('ic-00')]);
      expect(answers[0]).toMatchObject({ outcome: 'unsent' });
    } finally {
      await wrong.close();
    }
  });

  test('a certificate for another name gives one line naming icinga2.servername', async () => {
    const wrong = monitorFor(icinga, { servername: null });
    try {
      await wrong.start();
      expect(wrong.health().problem).toMatch(
        /its certificate is not for "127\.0\.0\.1" \(it holds DNS:corral-test\): set icinga2\.servername/,
      );
    } finally {
      await wrong.close();
    }
  });

  test('the wrong password gives one line naming the user and 401', async () => {
    const wrong = monitorFor(icinga, { password: 'not the password' });
    try {
      await wrong.start();
      expect(wrong.health().problem).toMatch(
        /^Icinga 2 at https:\/\/127\.0\.0\.1:\d+ refused user "corral" \(401\): check icinga2\.user and the password/,
      );
      expect(wrong.health().problem).not.toContain('not the password');
    } finally {
      await wrong.close();
    }
  });

  test('a permission the ApiUser lacks is named, and the action is refused for every target', async () => {
    const limited = monitorFor(icinga, { user: 'limited', password: LIMITED_PASSWORD });
    try {
      await limited.start();
      expect(limited.health().reachable).toBe(true);
      const now = Date.now();
      const answers = await limited.act(
        {
          kind: 'downtime',
          start: now,
          end: now + HOUR,
          fixed: true,
          author: 'jdoe',
          comment: 'x',
        },
        [ref('ic-40'), ref('ic-41')],
      );
      for (const a of answers) {
        expect(a).toMatchObject({
          outcome: 'refused',
          reason: expect.stringMatching(
            /^Icinga 2 at https:\/\/127\.0\.0\.1:\d+ refused user "limited" the permission actions\/schedule-downtime \(404\): add it to the ApiUser's permissions/,
          ),
        });
      }
      expect(await icinga.downtimes('ic-40')).toHaveLength(0);
    } finally {
      await limited.close();
    }
  });
});
