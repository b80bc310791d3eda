// Opens the store `db:` names: a `postgres://` URL is PostgreSQL, anything else a SQLite file.
import type { Logger } from './logger.js';
import type { CollectorStore, StoreEvents } from './collector-store.js';
import { isPostgresUrl, parsePostgresUrl } from './database-url.js';
import { PostgresStore } from './postgres-store.js';
import { SCHEMA_VERSION } from './schema.js';
import { SqliteStore } from './sqlite-store.js';

export interface StoreSettings {
  /** A SQLite file path, or a `postgres://` URL without its password. */
  db: string;
  /** PostgreSQL's password (from `db_password_file:` or the URL in corral.yaml); never logged. */
  dbPassword: string | null;
}

/** Opens, checks and brings the schema up to date (logged); throws an error with one line for the operator. */
export async function openCollectorStore(
  settings: StoreSettings,
  log: Logger,
  events: StoreEvents,
): Promise<CollectorStore> {
  if (isPostgresUrl(settings.db)) return openPostgres(settings, log, events);
  const store = new SqliteStore(settings.db, events);
  const { created, upgraded, checkMs } = store.opened;
  if (created) log.info({ db: store.where, schema: SCHEMA_VERSION }, 'database created');
  if (upgraded) log.info({ db: store.where, ...upgraded }, 'database schema upgraded');
  log.info({ db: store.where, checkMs }, 'database checked');
  return store;
}

async function openPostgres(
  settings: StoreSettings,
  log: Logger,
  events: StoreEvents,
): Promise<CollectorStore> {
  const parsed = parsePostgresUrl(settings.db);
  if ('problem' in parsed) throw new Error(parsed.problem);
  const target = { ...parsed, password: settings.dbPassword ?? parsed.password };
  const store = await PostgresStore.open(target, events);
  const change = store.opened;
  if (change?.from === 0) log.info({ db: store.where, schema: SCHEMA_VERSION }, 'database created');
  else if (change) log.info({ db: store.where, ...change }, 'database schema upgraded');
  log.info({ db: store.where }, 'database connected');
  return store;
}
