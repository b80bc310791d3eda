// corral.yaml: read, expand ${VAR}, validate, and turn into typed settings; a bad file is one clear line.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../domain/duration.js';
import { ROLES, type Role } from '../domain/protocol.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../domain/state.js';
import type { ThresholdPolicy } from '../domain/thresholds.js';
import { NagiosInputError } from '../nagios/commands.js';
import { accessProblem } from '../nagios/file-access.js';
import { checkMapping, DEFAULT_MAPPING } from '../nagios/mapping.js';
import type { NagiosSettings } from '../nagios/settings.js';
import type { RebootSettings } from '../reboot/methods.js';
import { readTlsFiles, TlsFileError, type TlsSettings } from './tls-files.js';
import {
  rebootSectionSchema,
  RebootSettingsError,
  toRebootSettings,
  type RebootSection,
} from '../reboot/settings.js';
import { readBoundedYaml } from './bounded-yaml.js';
import { isPostgresUrl, parsePostgresUrl, type PostgresTarget } from './database-url.js';
import {
  Icinga2FileError,
  readCaFile,
  readPasswordFile,
  type Icinga2Settings,
} from '../icinga2/settings.js';

export const DEFAULT_LISTEN = '127.0.0.1:8474';
export const DEFAULT_DB = '.corral/corral.db';
/** Larger inventory files are refused before they are read (100k slaves with pool and master: ~6 MB). */
export const DEFAULT_INVENTORY_BYTES = 16 * 1024 * 1024;

export interface TokenSetting {
  name: string;
  role: Role;
  token: string;
}

export interface Settings {
  listen: string;
  /** The SQLite file, or a `postgres://` URL without its password (safe to log). */
  db: string;
  /** PostgreSQL's password (`db_password_file:`, or the one `db:`'s URL held); null for SQLite. */
  dbPassword: string | null;
  thresholds: ThresholdPolicy;
  inventory: string | null;
  tokens: TokenSetting[];
  limits: {
    bodyBytes: number;
    batch: number;
    /** How far in the past a heartbeat's `at` may be (a spooled heartbeat). */
    atMaxPastSeconds: number;
    /** How far ahead of the collector's clock a heartbeat's `at` may be (clock skew). */
    atMaxAheadSeconds: number;
    /** Slaves not in the inventory that heartbeats may create; past it a batch is refused. */
    unlistedSlaves: number;
    /** The largest inventory file read; a larger one is refused and the last good one kept. */
    inventoryBytes: number;
  };
  http: {
    /** DNS names clients reach the collector by, beside loopback names and the listen address. */
    allowedHosts: string[];
    /** Open connections at once, and from one address; more are answered 503. */
    maxConnections: number;
    maxConnectionsPerAddress: number;
    /** A new connection that sends no request head within this is closed. */
    idleTimeoutSeconds: number;
  };
  stream: {
    pingIntervalSeconds: number;
    deltaIntervalMs: number;
    /** Bytes queued to one console before it counts as behind and gets a snapshot later. */
    maxBufferedBytes: number;
    /** How long a console may stay behind before it is dropped. */
    maxBehindSeconds: number;
  };
  history: {
    starts: number;
    retentionSeconds: number;
    /** How often changed slave rows are checkpointed: a crash leaves at most this much log to replay. */
    checkpointSeconds: number;
  };
  nagios: NagiosSettings;
  /** Icinga 2's REST API instead of Nagios; null without `icinga2:`. */
  icinga2: Icinga2Settings | null;
  reboot: RebootSettings;
  /** Serve HTTPS and WSS with this certificate and key (absolute paths); null: plain HTTP. */
  tls: TlsSettings | null;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const duration = (example: string) =>
  z.string({ error: `expected a duration like ${example}` }).transform((text, ctx) => {
    const seconds = parseDuration(text);
    if (seconds === null) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is not a duration: write e.g. ${example}`,
      });
      return z.NEVER;
    }
    return seconds;
  });

const thresholdsSchema = z.strictObject({
  warning: duration('6h').optional(),
  critical: duration('7h').optional(),
});

const nonEmpty = (what: string) =>
  z.string({ error: `expected ${what}` }).min(1, `expected ${what}`);

/** Printable ASCII without spaces: anything else can never match a `Bearer` header. */
const tokenValue = z
  .string()
  .min(16, 'a token has at least 16 characters')
  .regex(
    /^[\x21-\x7e]+$/,
    'a token is printable ASCII without spaces or control characters (it could never match)',
  );

const tokenSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'a token name is a short identifier'),
    role: z.enum(ROLES, { error: `role must be one of ${ROLES.join(', ')}` }),
    token: tokenValue.optional(),
    token_file: nonEmpty('a file path').optional(),
  })
  .refine((t) => (t.token === undefined) !== (t.token_file === undefined), {
    message: 'give exactly one of token and token_file',
  });

const fileSchema = z.strictObject({
  listen: nonEmpty('host:port, e.g. 127.0.0.1:8474').optional(),
  db: nonEmpty('a file path or a postgres:// URL').optional(),
  db_password_file: nonEmpty('a file holding the PostgreSQL password').optional(),
  thresholds: thresholdsSchema.optional(),
  pools: z.record(z.string(), thresholdsSchema).optional(),
  inventory: nonEmpty('a file path').optional(),
  tokens: z.array(tokenSchema).optional(),
  limits: z
    .strictObject({
      body_bytes: z.int().min(1024).optional(),
      batch: z.int().min(1).optional(),
      at_max_past: duration('7d').optional(),
      at_max_ahead: duration('5m').optional(),
      unlisted_slaves: z.int().min(0).optional(),
      inventory_bytes: z.int().min(1024).optional(),
    })
    .optional(),
  http: z
    .strictObject({
      allowed_hosts: z
        .array(
          z
            .string({ error: 'expected a host name' })
            .regex(
              /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9.])?$/,
              'expected a host name such as corral.example.org (no scheme, port or path)',
            ),
          { error: 'expected a list of host names, e.g. [corral.example.org]' },
        )
        .optional(),
      max_connections: z.int().min(1).optional(),
      max_connections_per_address: z.int().min(1).optional(),
      idle_timeout: duration('10s')
        .refine((s) => s >= 1 && s <= 3600, 'an idle timeout is between 1s and 1h')
        .optional(),
    })
    .optional(),
  stream: z
    .strictObject({
      ping_interval: duration('30s').optional(),
      delta_interval_ms: z.int().min(10).max(10_000).optional(),
      max_buffered_bytes: z.int().min(1024).optional(),
      max_behind: duration('30s').optional(),
    })
    .optional(),
  history: z
    .strictObject({
      starts: z.int().min(1).max(10_000).optional(),
      retention: duration('30d').optional(),
      checkpoint: duration('5s')
        .refine((s) => s >= 1 && s <= 3600, 'a checkpoint interval is between 1s and 1h')
        .optional(),
    })
    .optional(),
  nagios: z
    .strictObject({
      command_file: nonEmpty('a file path').optional(),
      status_file: nonEmpty('a file path').optional(),
      object_cache_file: nonEmpty('a file path').optional(),
      host: nonEmpty('a host name template such as "{slave}"').optional(),
      service: nonEmpty('a service description').optional(),
      confirm_within: duration('60s').optional(),
      status_interval: duration('10s').optional(),
      relay: z.boolean({ error: 'relay is true or false' }).optional(),
    })
    .optional(),
  icinga2: z
    .strictObject({
      url: nonEmpty('the Icinga 2 API URL such as https://icinga-master:5665').refine(
        (u) => /^https:\/\/[^/]+\/?$/.test(u),
        'the Icinga 2 API URL is https://HOST:PORT (TLS is always on, no path)',
      ),
      ca: nonEmpty('the CA file to pin (ca.crt from /var/lib/icinga2/certs)'),
      servername: nonEmpty("the name the API certificate holds (the node's name)").optional(),
      user: nonEmpty("the ApiUser's name"),
      password: nonEmpty('the password').optional(),
      password_file: nonEmpty('a file holding the password').optional(),
      host: nonEmpty('a host name template such as "{slave}"').optional(),
      service: nonEmpty('a service name').optional(),
    })
    .refine(
      (i) => (i.password === undefined) !== (i.password_file === undefined),
      'give exactly one of password and password_file',
    )
    .optional(),
  reboot: rebootSectionSchema.optional(),
  tls: z
    .strictObject({
      cert: nonEmpty('the PEM certificate file (with its intermediates)'),
      key: nonEmpty("the PEM file of the certificate's private key"),
    })
    .optional(),
});

type FileSettings = z.output<typeof fileSchema>;

/** Flags given on the command line; they override the file. */
export interface Overrides {
  listen?: string;
  db?: string;
  inventory?: string;
}

/** What a reader of corral.yaml needs: tools that use no token (`nagios-config`, `doctor`) skip them. */
export interface LoadOptions {
  /** Leave `tokens:` out, so that their unset environment variables are no error. */
  withoutTokens?: boolean;
}

/** Reads corral.yaml (or uses defaults when no path is given) and applies the flag overrides. */
export function loadSettings(
  configPath: string | undefined,
  overrides: Overrides = {},
  options: LoadOptions = {},
): Settings {
  const file = configPath === undefined ? {} : readConfigFile(configPath, options);
  const base = configPath === undefined ? process.cwd() : path.dirname(path.resolve(configPath));
  const settings = toSettings(file, base, configPath ?? 'settings', overrides.db);
  if (overrides.listen !== undefined) settings.listen = overrides.listen;
  if (overrides.inventory !== undefined) settings.inventory = path.resolve(overrides.inventory);
  checkThresholds(settings.thresholds, configPath ?? 'settings');
  return settings;
}

/** Validates a config text; the name is used in messages. Exposed for tests. */
export function parseConfigText(
  text: string,
  name: string,
  options: LoadOptions = {},
): FileSettings {
  const read = readBoundedYaml(text, CONFIG_YAML_BOUNDS);
  if (!read.ok) throw new ConfigError(`${name}: ${read.problem}`);
  const raw = read.value ?? {};
  if (options.withoutTokens && raw !== null && typeof raw === 'object' && 'tokens' in raw) {
    delete (raw as { tokens?: unknown }).tokens;
  }
  checkOneMonitoring(raw, name);
  const expanded = expandEnv(raw, name, []);
  const result = fileSchema.safeParse(expanded);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = issue.path.map(String).join('.') || '(top level)';
    throw new ConfigError(`${name}: ${key}: ${describeIssue(issue)}`);
  }
  return result.data;
}

/** `nagios.relay: true` leaves Nagios's files to the relay on the Nagios host: naming them here too is refused. */
function relaySetting(
  nagios: { relay?: boolean; command_file?: string; status_file?: string } | undefined,
  name: string,
): boolean {
  if (nagios?.relay !== true) return false;
  const local =
    nagios.command_file !== undefined
      ? 'command_file'
      : nagios.status_file !== undefined
        ? 'status_file'
        : null;
  if (local !== null) {
    throw new ConfigError(
      `${name}: nagios.${local}: with nagios.relay: true the Nagios files are the relay's: remove it here and give it in the relay's own corral.yaml on the Nagios host`,
    );
  }
  return true;
}

/** corral speaks to one monitoring system: `nagios:` and `icinga2:` together is refused, naming both. */
function checkOneMonitoring(raw: unknown, name: string): void {
  if (raw === null || typeof raw !== 'object') return;
  const set = (key: string) => (raw as Record<string, unknown>)[key] != null;
  if (set('nagios') && set('icinga2')) {
    throw new ConfigError(
      `${name}: nagios, icinga2: set only one of them (corral talks to one monitoring system): remove the other section`,
    );
  }
}

/** corral.yaml is small: a reboot chain is the deepest part, and a few aliases are plenty. */
const CONFIG_YAML_BOUNDS = { maxDepth: 32, maxAliasNodes: 10_000 };

function readConfigFile(configPath: string, options: LoadOptions): FileSettings {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `${configPath}: cannot read the config file (${code === 'ENOENT' ? 'no such file' : code})`,
    );
  }
  return parseConfigText(text, configPath, options);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling against corral.sample.yaml)`;
  }
  return issue.message;
}

/**
 * `db:` (or `--db`, which wins) and its password: a file resolved from where it was given, or a
 * PostgreSQL URL whose password comes from `db_password_file:` or `db:`'s URL, never from argv.
 */
function databaseSettings(
  f: FileSettings,
  dbFlag: string | undefined,
  base: string,
  name: string,
): Pick<Settings, 'db' | 'dbPassword'> {
  const passwordFile = f.db_password_file;
  const given = dbFlag ?? f.db;
  if (given === undefined || !isPostgresUrl(given)) {
    if (passwordFile !== undefined) {
      throw new ConfigError(
        `${name}: db_password_file: only a PostgreSQL db: (postgres://...) takes a password; remove it or set db: to the URL`,
      );
    }
    if (dbFlag !== undefined) return { db: path.resolve(dbFlag), dbPassword: null };
    return {
      db: given === undefined ? defaultDb(base) : path.resolve(base, given),
      dbPassword: null,
    };
  }
  const target = postgresTarget(given, dbFlag === undefined ? `${name}: db` : '--db');
  if (dbFlag !== undefined && target.password !== null) {
    throw new ConfigError(
      '--db: a password on the command line shows in ps: give it with db_password_file: in corral.yaml (or PGPASSWORD), and the URL without it',
    );
  }
  if (passwordFile === undefined) return { db: target.url, dbPassword: target.password };
  if (target.password !== null) {
    throw new ConfigError(
      `${name}: db: the URL holds a password and db_password_file: gives another: keep one`,
    );
  }
  try {
    return { db: target.url, dbPassword: readPasswordFile(path.resolve(base, passwordFile)) };
  } catch (err) {
    if (err instanceof Icinga2FileError) {
      throw new ConfigError(`${name}: db_password_file: ${err.message}`);
    }
    throw err;
  }
}

/** A PostgreSQL URL taken apart, or a ConfigError naming `where` (never echoing the password). */
function postgresTarget(db: string, where: string): PostgresTarget {
  const target = parsePostgresUrl(db);
  if ('problem' in target) throw new ConfigError(`${where}: ${target.problem}`);
  return target;
}

/** Replaces `${VAR}` in every string value; an unset variable is an error naming the key. */
function expandEnv(value: unknown, name: string, at: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, variable: string) => {
      const found = process.env[variable];
      if (found === undefined) {
        throw new ConfigError(
          `${name}: ${at.join('.')}: environment variable ${variable} is not set`,
        );
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, name, [...at, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnv(v, name, [...at, k])]),
    );
  }
  return value;
}

function toSettings(f: FileSettings, base: string, name: string, dbFlag?: string): Settings {
  const defaults: Thresholds = {
    warningSeconds: f.thresholds?.warning ?? DEFAULT_THRESHOLDS.warningSeconds,
    criticalSeconds: f.thresholds?.critical ?? DEFAULT_THRESHOLDS.criticalSeconds,
  };
  const pools: Record<string, Thresholds> = {};
  for (const [pool, t] of Object.entries(f.pools ?? {})) {
    pools[pool] = {
      warningSeconds: t.warning ?? defaults.warningSeconds,
      criticalSeconds: t.critical ?? defaults.criticalSeconds,
    };
  }
  const resolve = (p: string | undefined) => (p === undefined ? null : path.resolve(base, p));
  return {
    listen: f.listen ?? DEFAULT_LISTEN,
    ...databaseSettings(f, dbFlag, base, name),
    thresholds: { default: defaults, pools },
    inventory: resolve(f.inventory),
    tokens: tokenSettings(f.tokens ?? [], base, name),
    limits: {
      bodyBytes: f.limits?.body_bytes ?? 1024 * 1024,
      batch: f.limits?.batch ?? 5000,
      atMaxPastSeconds: f.limits?.at_max_past ?? 7 * 86400,
      atMaxAheadSeconds: f.limits?.at_max_ahead ?? 300,
      unlistedSlaves: f.limits?.unlisted_slaves ?? 50_000,
      inventoryBytes: f.limits?.inventory_bytes ?? DEFAULT_INVENTORY_BYTES,
    },
    http: {
      allowedHosts: f.http?.allowed_hosts ?? [],
      maxConnections: f.http?.max_connections ?? 4096,
      maxConnectionsPerAddress: f.http?.max_connections_per_address ?? 256,
      idleTimeoutSeconds: f.http?.idle_timeout ?? 10,
    },
    stream: {
      pingIntervalSeconds: f.stream?.ping_interval ?? 30,
      deltaIntervalMs: f.stream?.delta_interval_ms ?? 100,
      maxBufferedBytes: f.stream?.max_buffered_bytes ?? 16 * 1024 * 1024,
      maxBehindSeconds: f.stream?.max_behind ?? 30,
    },
    history: {
      starts: f.history?.starts ?? 50,
      retentionSeconds: f.history?.retention ?? 30 * 86400,
      checkpointSeconds: f.history?.checkpoint ?? 5,
    },
    nagios: {
      commandFile: resolve(f.nagios?.command_file),
      statusFile: resolve(f.nagios?.status_file),
      objectCacheFile: resolve(f.nagios?.object_cache_file),
      host: nagiosName('host', f.nagios?.host, name),
      service: nagiosName('service', f.nagios?.service, name),
      confirmWithinSeconds: f.nagios?.confirm_within ?? 60,
      statusIntervalSeconds: f.nagios?.status_interval ?? 10,
      relay: relaySetting(f.nagios, name),
    },
    icinga2: icinga2Settings(f.icinga2, base, name),
    reboot: rebootSettings(f.reboot, name),
    tls: tlsSettings(
      f.tls && { cert: path.resolve(base, f.tls.cert), key: path.resolve(base, f.tls.key) },
      name,
    ),
  };
}

/** The `icinga2:` section, its password file read and its names checked now, each problem naming its key. */
function icinga2Settings(
  i: FileSettings['icinga2'],
  base: string,
  name: string,
): Icinga2Settings | null {
  if (i === undefined) return null;
  const read = <T>(key: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof Icinga2FileError)
        throw new ConfigError(`${name}: icinga2.${key}: ${err.message}`);
      throw err;
    }
  };
  const password =
    i.password ??
    read('password_file', () => readPasswordFile(path.resolve(base, i.password_file!)));
  return {
    url: i.url.replace(/\/$/, ''),
    ca: read('ca', () => readCaFile(path.resolve(base, i.ca))),
    servername: i.servername ?? null,
    user: i.user,
    password,
    host: nagiosName('host', i.host, name, 'icinga2'),
    service: nagiosName('service', i.service, name, 'icinga2'),
  };
}

/** The certificate and key must be readable and a pair at start, not at the first client. */
function tlsSettings(tls: TlsSettings | undefined, name: string): TlsSettings | null {
  if (tls === undefined) return null;
  try {
    readTlsFiles(tls);
  } catch (err) {
    if (err instanceof TlsFileError) throw new ConfigError(`${name}: ${err.message}`);
    throw err;
  }
  return tls;
}

/**
 * Without `db:`, a service's state directory (systemd's `StateDirectory=` sets
 * `$STATE_DIRECTORY`, the first of its paths is ours), else `.corral/` beside the config file.
 */
function defaultDb(base: string): string {
  const stateDir = process.env.STATE_DIRECTORY?.split(':')[0];
  return stateDir ? path.resolve(stateDir, 'corral.db') : path.resolve(base, DEFAULT_DB);
}

type TokenEntry = NonNullable<FileSettings['tokens']>[number];

/**
 * Each token from `token:` or from its `token_file:`; one value listed twice is refused (the last
 * entry would win, and a viewer's token could act as an operator). Messages never show a token.
 */
function tokenSettings(entries: TokenEntry[], base: string, name: string): TokenSetting[] {
  const byValue = new Map<string, number>();
  return entries.map((entry, i) => {
    const token = entry.token ?? tokenFromFile(entry.token_file!, base, `${name}: tokens.${i}`);
    const first = byValue.get(token);
    if (first !== undefined) {
      throw new ConfigError(
        `${name}: tokens.${i}: "${entry.name}" has the same token as "${entries[first]!.name}" (tokens.${first}): give each its own token`,
      );
    }
    byValue.set(token, i);
    return { name: entry.name, role: entry.role, token };
  });
}

const MAX_TOKEN_FILE_BYTES = 4096;

function tokenFromFile(file: string, base: string, where: string): string {
  const resolved = path.resolve(base, file);
  let text: string;
  try {
    // A token file holds one line; anything large (or a device) is a wrong path, not a token.
    const stats = statSync(resolved);
    if (!stats.isFile() || stats.size > MAX_TOKEN_FILE_BYTES) {
      throw new ConfigError(
        `${where}.token_file: ${resolved} is not a token file (a regular file of at most ${MAX_TOKEN_FILE_BYTES} bytes)`,
      );
    }
    text = readFileSync(resolved, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const problem =
      accessProblem(resolved, 'read') ??
      `cannot read ${resolved}: ${(err as NodeJS.ErrnoException).code}`;
    throw new ConfigError(`${where}.token_file: ${problem}`);
  }
  // One trailing newline is what `echo` and editors leave; anything else is part of the token.
  const token = text.replace(/\r?\n$/, '');
  const checked = tokenValue.safeParse(token);
  if (!checked.success) {
    throw new ConfigError(`${where}.token_file: ${resolved}: ${checked.error.issues[0]!.message}`);
  }
  return token;
}

/** A host template or service that cannot be a Nagios name stops the start, naming the key. */
function nagiosName(
  key: 'host' | 'service',
  value: string | undefined,
  name: string,
  section: 'nagios' | 'icinga2' = 'nagios',
): string {
  const mapping = {
    hostTemplate:
      key === 'host' ? (value ?? DEFAULT_MAPPING.hostTemplate) : DEFAULT_MAPPING.hostTemplate,
    service: key === 'service' ? (value ?? DEFAULT_MAPPING.service) : DEFAULT_MAPPING.service,
  };
  try {
    checkMapping(mapping);
  } catch (err) {
    if (err instanceof NagiosInputError) {
      throw new ConfigError(`${name}: ${section}.${key}: ${err.message}`);
    }
    throw err;
  }
  return key === 'host' ? mapping.hostTemplate : mapping.service;
}

/** The chains are checked as a whole (hands last, placeholders): one line naming file and key. */
function rebootSettings(section: RebootSection | undefined, name: string): RebootSettings {
  try {
    return toRebootSettings(section);
  } catch (err) {
    if (err instanceof RebootSettingsError) throw new ConfigError(`${name}: ${err.message}`);
    throw err;
  }
}

function checkThresholds(policy: ThresholdPolicy, name: string): void {
  const check = (t: Thresholds, key: string) => {
    if (t.warningSeconds >= t.criticalSeconds) {
      throw new ConfigError(
        `${name}: ${key}: warning must be shorter than critical (a slave is late before it is dead)`,
      );
    }
  };
  check(policy.default, 'thresholds');
  for (const [pool, t] of Object.entries(policy.pools)) check(t, `pools.${pool}`);
}

/** Parses `host:port` / `[v6]:port` / `:port`; the error says what to write instead. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new ConfigError(
      `listen: "${listen}" is not host:port (e.g. 127.0.0.1:8474 or [::1]:8474)`,
    );
  }
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
