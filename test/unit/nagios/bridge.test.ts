// Where the bridge gets status.dat from: the status it is given (the collector's copy, parsed in a
// worker thread), and only when that has nothing, the file itself.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NagiosBridge, type LineWriter } from '../../../src/nagios/bridge.js';
import { serviceKey, type Downtime, type NagiosStatus } from '../../../src/nagios/status-file.js';

const SERVICE = 'buildbot-start';
const MAPPING = { hostTemplate: '{slave}', service: SERVICE };
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

function downtime(id: number, host: string): Downtime {
  return {
    id,
    host,
    service: SERVICE,
    entryTime: NOW - 60_000,
    start: NOW - 60_000,
    end: NOW + 3600_000,
    fixed: true,
    durationSeconds: 3600,
    triggeredBy: 0,
    inEffect: true,
    author: 'jdoe',
    comment: 'reimaging',
  };
}

function statusWith(downtimes: Downtime[]): NagiosStatus {
  return { created: NOW, programStart: NOW, services: new Map(), downtimes, comments: [] };
}

function recorder(): LineWriter & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    write(written) {
      lines.push(...written);
      return Promise.resolve({ lines: written.length, writes: 1, bytes: 0 });
    },
  };
}

const STATUS_DAT = `info {
	created=${NOW / 1000}
	}
programstatus {
	nagios_pid=1
	}
servicestatus {
	host_name=s9
	service_description=${SERVICE}
	current_state=0
	}
servicedowntime {
	host_name=s9
	service_description=${SERVICE}
	downtime_id=42
	entry_time=${NOW / 1000}
	start_time=${NOW / 1000}
	end_time=${NOW / 1000 + 3600}
	fixed=1
	duration=3600
	is_in_effect=1
	author=jdoe
	comment=from the file
	}
`;

let dir: string;
let statusFile: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'corral-bridge-'));
  statusFile = path.join(dir, 'status.dat');
  await writeFile(statusFile, STATUS_DAT);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('NagiosBridge.cancelDowntimes', () => {
  test('uses the status it is given and never reads status.dat', async () => {
    const writer = recorder();
    let asked = 0;
    const given = statusWith([downtime(5, 's1'), downtime(6, 's1'), downtime(7, 's2')]);
    const bridge = new NagiosBridge({
      commandFile: '/nonexistent/nagios.cmd',
      // Reading this would fail: the bridge must not try.
      statusFile: path.join(dir, 'missing', 'status.dat'),
      status: () => {
        asked++;
        return given;
      },
      mapping: MAPPING,
      writer,
      clock: () => NOW,
    });
    const out = await bridge.cancelDowntimes([{ name: 's1' }, { name: 's2' }, { name: 's3' }]);
    expect(asked).toBe(1);
    expect(out.results).toEqual([
      { slave: 's1', ok: true },
      { slave: 's2', ok: true },
      { slave: 's3', ok: false, error: expect.stringMatching(/has no downtime/) },
    ]);
    const epoch = NOW / 1000;
    expect(writer.lines).toEqual([
      `[${epoch}] DEL_SVC_DOWNTIME;5`,
      `[${epoch}] DEL_SVC_DOWNTIME;6`,
      `[${epoch}] DEL_SVC_DOWNTIME;7`,
    ]);
  });

  test('reads status.dat itself when the given status is not there yet', async () => {
    const writer = recorder();
    const bridge = new NagiosBridge({
      commandFile: '/nonexistent/nagios.cmd',
      statusFile,
      status: () => null,
      mapping: MAPPING,
      writer,
      clock: () => NOW,
    });
    const out = await bridge.cancelDowntimes([{ name: 's9' }]);
    expect(out.results).toEqual([{ slave: 's9', ok: true }]);
    expect(writer.lines).toEqual([`[${NOW / 1000}] DEL_SVC_DOWNTIME;42`]);
  });

  test('given nothing, reads status.dat; clear errors without one or with an unreadable one', async () => {
    const read = new NagiosBridge({
      commandFile: '/nonexistent/nagios.cmd',
      statusFile,
      mapping: MAPPING,
      writer: recorder(),
    });
    expect((await read.cancelDowntimes([{ name: 's9' }])).results).toEqual([
      { slave: 's9', ok: true },
    ]);

    const none = new NagiosBridge({
      commandFile: '/x/nagios.cmd',
      statusFile: null,
      status: () => statusWith([downtime(1, 's1')]),
      mapping: MAPPING,
      writer: recorder(),
    });
    await expect(none.cancelDowntimes([{ name: 's1' }])).rejects.toThrow(
      'cannot find downtimes without nagios.status_file in corral.yaml',
    );

    const missing = path.join(dir, 'gone.dat');
    const unreadable = new NagiosBridge({
      commandFile: '/x/nagios.cmd',
      statusFile: missing,
      status: () => null,
      mapping: MAPPING,
      writer: recorder(),
    });
    await expect(unreadable.cancelDowntimes([{ name: 's1' }])).rejects.toThrow(
      `cannot read ${missing}: ENOENT`,
    );
  });

  test('a status that lists the service but no downtime: the slave fails alone', async () => {
    const given = statusWith([downtime(3, 's2')]);
    given.services.set(serviceKey('s1', SERVICE), {
      host: 's1',
      service: SERVICE,
      state: 0,
      output: '',
      perfdata: '',
      lastCheck: null,
      hasBeenChecked: false,
      acknowledged: false,
      acknowledgementType: 0,
      downtimeDepth: 0,
      activeChecksEnabled: false,
      passiveChecksEnabled: true,
    });
    const writer = recorder();
    const bridge = new NagiosBridge({
      commandFile: '/x/nagios.cmd',
      statusFile,
      status: () => given,
      mapping: MAPPING,
      writer,
      clock: () => NOW,
    });
    const out = await bridge.cancelDowntimes([{ name: 's1' }, { name: 's2' }]);
    expect(out.results.map((r) => r.ok)).toEqual([false, true]);
    expect(writer.lines).toEqual([`[${NOW / 1000}] DEL_SVC_DOWNTIME;3`]);
  });
});
