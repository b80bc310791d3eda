// A private Nagios Core 4 for a bench, laid out in a temp dir: the generated objects for the
// slaves, and a nagios.cfg with one-second intervals; a bench passes what it does differently.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { generateNagiosConfig } from '../dist/nagios/config-generator.js';
import { DEFAULT_MAPPING } from '../dist/nagios/mapping.js';

/** Writes the objects and nagios.cfg (with `settings` over the defaults); `at(name)` is a path in the dir. */
export function layOutNagios(prefix, slaves, settings = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const at = (name) => path.join(dir, name);
  for (const d of ['rw', 'tmp', 'checkresults']) mkdirSync(at(d));
  writeFileSync(
    at('objects.cfg'),
    generateNagiosConfig({
      slaves: slaves.map((name) => ({ name, pool: null, master: null, attributes: {} })),
      thresholds: { default: { warningSeconds: 21600, criticalSeconds: 25200 }, pools: {} },
      mapping: DEFAULT_MAPPING,
      corral: ['/bin/true'],
      collectorUrl: 'http://127.0.0.1:1',
      pluginDir: '/usr/lib/nagios/plugins',
    }),
  );
  const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
  const cfg = {
    log_file: at('nagios.log'),
    cfg_file: at('objects.cfg'),
    object_cache_file: at('objects.cache'),
    precached_object_file: at('objects.precache'),
    status_file: at('status.dat'),
    status_update_interval: 1,
    nagios_user: userInfo().username,
    nagios_group: group,
    check_external_commands: 1,
    command_file: at('rw/nagios.cmd'),
    lock_file: at('nagios.lock'),
    temp_file: at('nagios.tmp'),
    temp_path: at('tmp'),
    retain_state_information: 0,
    state_retention_file: at('retention.dat'),
    check_result_path: at('checkresults'),
    query_socket: at('rw/nagios.qh'),
    interval_length: 1,
    enable_notifications: 0,
    use_syslog: 0,
    check_for_updates: 0,
    ...settings,
  };
  writeFileSync(
    at('nagios.cfg'),
    Object.entries(cfg)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  return { dir, at };
}
