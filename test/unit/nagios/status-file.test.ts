import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mutingOf } from '../../../src/nagios/muting.js';
import { serviceView } from '../../../src/nagios/service-view.js';
import {
  acknowledgementOf,
  IncompleteStatusError,
  parseStatus,
  serviceKey,
  StatusFileReader,
} from '../../../src/nagios/status-file.js';

// Cut down from a status.dat written by Nagios 4.4.6 here (same layout, fewer keys).
const STATUS = `########################################
#          NAGIOS STATUS FILE
########################################
info {
	created=1795581645
	version=4.4.6
	}
programstatus {
	nagios_pid=9212
	program_start=1795581639
	}
hoststatus {
	host_name=s1
	current_state=0
	_POOL=0;p1
	}
servicestatus {
	host_name=s1
	service_description=buildbot-start
	has_been_checked=1
	current_state=2
	plugin_output=no buildbot start for 7h00m
	long_plugin_output=
	performance_data=age=25200s;21600;25200
	last_check=1795581645
	active_checks_enabled=0
	passive_checks_enabled=1
	problem_has_been_acknowledged=0
	acknowledgement_type=0
	scheduled_downtime_depth=1
	}
servicestatus {
	host_name=s2
	service_description=buildbot-start
	has_been_checked=1
	current_state=2
	plugin_output=cannot reach bm01: a=b
	performance_data=
	last_check=1795581640
	problem_has_been_acknowledged=1
	acknowledgement_type=2
	scheduled_downtime_depth=0
	}
servicestatus {
	host_name=s3
	service_description=buildbot-start
	has_been_checked=0
	current_state=0
	plugin_output=
	last_check=0
	problem_has_been_acknowledged=0
	acknowledgement_type=0
	scheduled_downtime_depth=0
	}
servicecomment {
	host_name=s1
	service_description=buildbot-start
	entry_type=2
	comment_id=1
	persistent=0
	entry_time=1795581650
	author=jdoe
	comment_data=This service has been scheduled for fixed downtime from 11-25-2026 04:40:50 to 11-25-2026 05:40:50.
	}
servicecomment {
	host_name=s2
	service_description=buildbot-start
	entry_type=4
	comment_id=2
	persistent=1
	entry_time=1795581650
	author=jdoe
	comment_data=bug 1234, waiting for a new disk
	}
servicedowntime {
	host_name=s1
	service_description=buildbot-start
	downtime_id=1
	comment_id=1
	entry_time=1795581650
	start_time=1795581650
	flex_downtime_start=0
	end_time=1795585250
	triggered_by=0
	fixed=1
	duration=3600
	is_in_effect=1
	author=jdoe
	comment=reimaging
	}
servicedowntime {
	host_name=s3
	service_description=buildbot-start
	downtime_id=7
	entry_time=1795581650
	start_time=1795600000
	end_time=1795686400
	triggered_by=0
	fixed=0
	duration=7200
	is_in_effect=0
	author=asmith
	comment=slow pool
	}
`;

describe('parseStatus', () => {
  const s = parseStatus(STATUS);

  test('services with state, output, perfdata, last check, acknowledgement and downtime depth', () => {
    expect(s.created).toBe(1795581645_000);
    // When this Nagios started: a new value is how the collector tells a restarted Nagios.
    expect(s.programStart).toBe(1795581639_000);
    expect(s.services.size).toBe(3);
    expect(s.services.get(serviceKey('s1', 'buildbot-start'))).toMatchObject({
      state: 2,
      output: 'no buildbot start for 7h00m',
      perfdata: 'age=25200s;21600;25200',
      lastCheck: 1795581645_000,
      hasBeenChecked: true,
      acknowledged: false,
      downtimeDepth: 1,
      activeChecksEnabled: false,
      passiveChecksEnabled: true,
    });
    // A value keeps everything after the first `=`.
    expect(s.services.get(serviceKey('s2', 'buildbot-start'))!.output).toBe(
      'cannot reach bm01: a=b',
    );
    expect(s.services.get(serviceKey('s3', 'buildbot-start'))!.lastCheck).toBeNull();
  });

  test('downtimes with id, times in ms, fixed or flexible, author, comment, in effect', () => {
    expect(s.downtimes).toEqual([
      {
        id: 1,
        host: 's1',
        service: 'buildbot-start',
        entryTime: 1795581650_000,
        start: 1795581650_000,
        end: 1795585250_000,
        fixed: true,
        durationSeconds: 3600,
        triggeredBy: 0,
        inEffect: true,
        author: 'jdoe',
        comment: 'reimaging',
      },
      expect.objectContaining({ id: 7, fixed: false, durationSeconds: 7200, inEffect: false }),
    ]);
  });

  test('an acknowledgement takes its author and comment from the acknowledgement comment', () => {
    expect(acknowledgementOf(s, 's2', 'buildbot-start')).toEqual({
      author: 'jdoe',
      comment: 'bug 1234, waiting for a new disk',
      sticky: true,
      at: 1795581650_000,
    });
    expect(acknowledgementOf(s, 's1', 'buildbot-start')).toBeNull();
    expect(acknowledgementOf(s, 'nope', 'buildbot-start')).toBeNull();
  });

  test('a file cut mid-block is incomplete, not an empty status', () => {
    const cut = STATUS.slice(0, STATUS.indexOf('comment=reimaging'));
    expect(() => parseStatus(cut)).toThrow(IncompleteStatusError);
  });

  test('a file without its programstatus block (cut early, or empty) is incomplete', () => {
    expect(() => parseStatus(STATUS.slice(0, STATUS.indexOf('programstatus')))).toThrow(
      /no programstatus/,
    );
    expect(() => parseStatus('')).toThrow(IncompleteStatusError);
  });

  test('a foreign file is refused', () => {
    expect(() => parseStatus('hello world\n')).toThrow(IncompleteStatusError);
  });
});

describe('mutingOf', () => {
  const s = parseStatus(STATUS);

  test('a downtime in effect shows who, why, and until when (ISO UTC)', () => {
    expect(mutingOf(s, { host: 's1', service: 'buildbot-start' })).toEqual({
      kind: 'downtime',
      author: 'jdoe',
      comment: 'reimaging',
      start: '2026-11-25T04:40:50.000Z',
      end: '2026-11-25T05:40:50.000Z',
      fixed: true,
      inEffect: true,
      downtimeId: 1,
    });
  });

  test('an acknowledgement', () => {
    expect(mutingOf(s, { host: 's2', service: 'buildbot-start' })).toEqual({
      kind: 'acknowledgement',
      author: 'jdoe',
      comment: 'bug 1234, waiting for a new disk',
      sticky: true,
    });
  });

  test('a downtime still to come is shown, not in effect', () => {
    expect(mutingOf(s, { host: 's3', service: 'buildbot-start' })).toMatchObject({
      kind: 'downtime',
      inEffect: false,
      fixed: false,
      author: 'asmith',
    });
  });

  test('nothing mutes an unknown service', () => {
    expect(mutingOf(s, { host: 's9', service: 'buildbot-start' })).toBeNull();
  });
});

describe('StatusFileReader', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corral-status-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads when the file changed, reuses the last result when not, keeps it over a cut file', async () => {
    const file = path.join(dir, 'status.dat');
    const reader = new StatusFileReader(file);
    await expect(reader.read()).rejects.toThrow(/ENOENT/);

    await writeFile(file, STATUS.slice(0, 200));
    expect(await reader.read()).toBeNull(); // nothing good yet

    await writeFile(file, STATUS);
    const first = await reader.read();
    expect(first?.fresh).toBe(true);
    expect(first?.status.downtimes).toHaveLength(2);

    const again = await reader.read();
    expect(again?.fresh).toBe(false);
    expect(again?.status).toBe(first?.status);

    // Nagios replaces the file by rename: a new inode is a change even at the same size and mtime.
    const next = STATUS.replace('comment=reimaging', 'comment=reimaged!');
    await writeFile(path.join(dir, 'status.tmp'), next);
    await rename(path.join(dir, 'status.tmp'), file);
    const renamed = await reader.read();
    expect(renamed?.fresh).toBe(true);
    expect(renamed?.status.downtimes[0]!.comment).toBe('reimaged!');

    // Caught half-written: the last good status stays.
    await writeFile(file, next.slice(0, next.length - 10));
    const cut = await reader.read();
    expect(cut?.fresh).toBe(false);
    expect(cut?.status.downtimes[0]!.comment).toBe('reimaged!');
  });
});

describe('serviceView: a slave service for its detail', () => {
  const withComment = parseStatus(
    `${STATUS}servicecomment {
	host_name=s1
	service_description=buildbot-start
	entry_type=1
	comment_id=9
	persistent=1
	entry_time=1795581700
	author=asmith
	comment_data=disk swap booked
	}
`,
  );
  const ref = (host: string) => ({ host, service: 'buildbot-start' });

  test('state, output, every downtime, the acknowledgement and the operators\u2019 comments', () => {
    expect(serviceView(withComment, ref('s1'))).toMatchObject({
      host: 's1',
      state: 'CRITICAL',
      output: 'no buildbot start for 7h00m',
      downtimes: [
        {
          id: 1,
          start: new Date(1795581650_000).toISOString(),
          end: new Date(1795585250_000).toISOString(),
          fixed: true,
          inEffect: true,
          author: 'jdoe',
          comment: 'reimaging',
        },
      ],
      acknowledgement: null,
      // Not the comment Nagios added for the downtime: only what an operator wrote.
      comments: [
        {
          at: new Date(1795581700_000).toISOString(),
          author: 'asmith',
          comment: 'disk swap booked',
        },
      ],
    });
    expect(serviceView(withComment, ref('s2'))).toMatchObject({
      acknowledgement: {
        author: 'jdoe',
        comment: 'bug 1234, waiting for a new disk',
        sticky: true,
      },
      comments: [],
    });
  });

  test('no result yet, and no such service', () => {
    expect(serviceView(withComment, ref('s3'))).toMatchObject({
      state: null,
      lastCheck: null,
      downtimes: [{ id: 7, fixed: false, inEffect: false, author: 'asmith' }],
    });
    expect(serviceView(withComment, ref('nope'))).toBeNull();
  });
});
