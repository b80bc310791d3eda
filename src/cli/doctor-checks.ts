// What `corral doctor` checks, each as the collector would meet it at startup: the config, where it
// listens, its tokens, its database (directory and file, or the PostgreSQL server), its inventory
// and Nagios's files, as this user.
import { closeSync, constants, existsSync, openSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ConfigError, loadSettings, parseListen, type Settings } from '../collector/config.js';
import { isLoopback } from '../collector/auth.js';
import { inspectDatabase } from '../collector/database-file.js';
import { isPostgresUrl, parsePostgresUrl } from '../collector/database-url.js';
import { postgresProblem } from '../collector/postgres-problem.js';
import { postgresSchemaVersion } from '../collector/postgres-schema.js';
import { withPassword } from '../collector/postgres-store.js';
import { versionProblem } from '../collector/schema.js';
import { InventoryError, loadInventory } from '../collector/inventory.js';
import { accessProblem } from '../nagios/file-access.js';

/** One check's verdict: what was checked, and either what is fine or what is wrong. */
export interface Finding {
  check: string;
  ok: boolean;
  /** When ok, what was found; otherwise the problem, naming the fix. */
  text: string;
}

/** The config itself cannot be read: the other checks have nothing to check. */
export class ConfigProblem extends Error {
  override name = 'ConfigProblem';
}

const ok = (check: string, text: string): Finding => ({ check, ok: true, text });
const fail = (check: string, text: string): Finding => ({ check, ok: false, text });
const verdict = (check: string, problem: string | null, fine: string): Finding =>
  problem === null ? ok(check, fine) : fail(check, problem);

export async function diagnose(configPath: string | undefined): Promise<Finding[]> {
  let settings: Settings;
  try {
    // Tokens apart, so that an unset variable of theirs is one finding, not the end of the checks.
    settings = loadSettings(configPath, {}, { withoutTokens: true });
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigProblem(err.message);
    throw err;
  }
  return [
    ok('config', configPath === undefined ? 'no --config: the built-in defaults' : configPath),
    listenFinding(settings.listen),
    tokensFinding(configPath, settings.listen),
    isPostgresUrl(settings.db) ? await postgresFinding(settings) : databaseFinding(settings.db),
    inventoryFinding(settings.inventory, settings.limits.inventoryBytes),
    ...nagiosFindings(settings.nagios),
  ];
}

function listenFinding(listen: string): Finding {
  try {
    parseListen(listen);
    return ok('listen', listen);
  } catch (err) {
    if (err instanceof ConfigError) return fail('listen', err.message);
    throw err;
  }
}

function tokensFinding(configPath: string | undefined, listen: string): Finding {
  let tokens: Settings['tokens'];
  try {
    tokens = loadSettings(configPath).tokens;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const unset = /environment variable (\S+) is not set/.exec(err.message);
    const fix = unset
      ? `; set ${unset[1]} where the collector runs (systemd: Environment= or EnvironmentFile= in its unit)`
      : '';
    return fail('tokens', `${err.message}${fix}`);
  }
  if (tokens.length > 0) {
    const roles = [...new Set(tokens.map((t) => t.role))].join(', ');
    return ok('tokens', `${tokens.length} set (${roles})`);
  }
  const host = safeHost(listen);
  if (host !== null && !isLoopbackHost(host)) {
    return fail(
      'tokens',
      `none, and the collector listens on ${listen}: it will refuse every client but this machine's; add tokens: to corral.yaml`,
    );
  }
  return ok('tokens', 'none: the collector serves loopback clients only');
}

function safeHost(listen: string): string | null {
  try {
    return parseListen(listen).host;
  } catch {
    return null; // the listen finding says so
  }
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopback(host);
}

/** SQLite needs its directory writable (journal and WAL files), and makes the directory if missing. */
/** PostgreSQL as the collector would meet it: reachable, the login taken, a schema it can use. */
async function postgresFinding(settings: Settings): Promise<Finding> {
  const parsed = parsePostgresUrl(settings.db);
  if ('problem' in parsed) return fail('database', parsed.problem);
  const target = { ...parsed, password: settings.dbPassword ?? parsed.password };
  const client = new pg.Client({
    connectionString: withPassword(target),
    connectionTimeoutMillis: 3000,
    query_timeout: 5000,
    application_name: 'corral doctor',
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const version = await postgresSchemaVersion(client);
    const problem = versionProblem(version);
    const where = `PostgreSQL at ${target.host}:${target.port} (database ${target.database})`;
    if (problem !== null) return fail('database', `${where}: ${problem}`);
    return ok('database', version === 0 ? `${where} (schema will be created)` : where);
  } catch (err) {
    // On a failed login node-postgres can leave its socket open, and doctor would not end.
    (
      client as unknown as { connection: { stream: { destroy(): void } } }
    ).connection.stream.destroy();
    return fail('database', postgresProblem(err, target));
  } finally {
    await client.end().catch(() => {});
  }
}

function databaseFinding(db: string): Finding {
  if (db.includes('://'))
    return ok('database', `${db} (a server: checked when the collector connects)`);
  const fix =
    "set db: in corral.yaml to an absolute path the collector may write, e.g. /var/lib/corral/corral.db (a relative db: is taken from the config file's directory)";
  const dir = path.dirname(db);
  let existing = dir;
  while (!existsSync(existing) && path.dirname(existing) !== existing)
    existing = path.dirname(existing);
  const stats = statOrNull(existing);
  if (stats !== null && !stats.isDirectory()) {
    return fail('database', `cannot create ${dir}: ${existing} is not a directory; ${fix}`);
  }
  const problem =
    accessProblem(existing, 'write') ?? (existsSync(db) ? accessProblem(db, 'write') : null);
  if (problem !== null) {
    const what = existing === dir ? `cannot use ${db}` : `cannot create ${dir}`;
    return fail('database', `${what}: ${problem}; ${fix}`);
  }
  if (!existsSync(db)) return ok('database', `${db} (will be created)`);
  // Damaged, empty, not a database, newer than this corral: what would stop the start.
  const unusable = inspectDatabase(db);
  return unusable === null ? ok('database', db) : fail('database', unusable);
}

function inventoryFinding(inventory: string | null, maxBytes: number): Finding {
  if (inventory === null) return ok('inventory', 'none: slaves are known by their heartbeats');
  const denied = accessProblem(inventory, 'read');
  if (denied !== null) return fail('inventory', `${denied}; or fix inventory: in corral.yaml`);
  try {
    const count = loadInventory(inventory, maxBytes).length;
    return ok('inventory', `${inventory} (${count} slave${count === 1 ? '' : 's'})`);
  } catch (err) {
    if (err instanceof InventoryError) return fail('inventory', err.message);
    throw err;
  }
}

function nagiosFindings(nagios: Settings['nagios']): Finding[] {
  const { commandFile, statusFile, objectCacheFile } = nagios;
  if (nagios.relay) {
    return [
      ok(
        'nagios',
        'on another host: its relay (corral nagios-relay) connects in with a relay token',
      ),
    ];
  }
  if (commandFile === null && statusFile === null && objectCacheFile === null) {
    return [ok('nagios', 'not configured: no Nagios')];
  }
  const findings: Finding[] = [];
  if (commandFile === null) {
    findings.push(
      fail(
        'nagios.command_file',
        'not set: the collector cannot submit results or act; set it to command_file from nagios.cfg',
      ),
    );
  } else {
    findings.push(
      verdict(
        'nagios.command_file',
        commandFileProblem(commandFile),
        `${commandFile} (Nagios reading)`,
      ),
    );
  }
  if (statusFile === null) {
    findings.push(
      fail(
        'nagios.status_file',
        'not set: actions cannot be confirmed nor muting shown; set it to status_file from nagios.cfg',
      ),
    );
  } else {
    findings.push(verdict('nagios.status_file', accessProblem(statusFile, 'read'), statusFile));
  }
  if (objectCacheFile !== null) {
    findings.push(
      verdict('nagios.object_cache_file', accessProblem(objectCacheFile, 'read'), objectCacheFile),
    );
  }
  return findings;
}

/** Writable, a FIFO, and read by Nagios: opened as the collector opens it, and closed unwritten. */
function commandFileProblem(file: string): string | null {
  const denied = accessProblem(file, 'write');
  if (denied !== null) return denied;
  const stats = statOrNull(file);
  if (stats !== null && !stats.isFIFO()) {
    return `${file} is not a FIFO but ${kindOf(stats)}: set nagios.command_file to command_file from nagios.cfg (Nagios makes the FIFO when it starts with check_external_commands=1)`;
  }
  try {
    closeSync(openSync(file, constants.O_WRONLY | constants.O_NONBLOCK));
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') {
      return `Nagios is not reading ${file}: start Nagios (with check_external_commands=1), or check command_file in nagios.cfg`;
    }
    return `cannot open ${file}: ${code ?? String(err)}`;
  }
}

function kindOf(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  return 'not a pipe';
}

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
