// Opens the store `db:` names: a `postgres://` URL is PostgreSQL, anything else a SQLite file.
import type { Logger } from './logger.js';
import type { CollectorStore, StoreEvents } from './collector-store.js';
import { SCHEMA_VERSION } from './schema.js';
import { SqliteStore } from './sqlite-store.js';

export interface StoreSettings {
  /** A SQLite file path, or a `postgres://` URL without its password. */
  db: string;
  /** PostgreSQL's password (from `db_password_file:` or the URL in corral.yaml); never logged. */
  dbPassword?: string | null;
}

/** Opens, checks and brings the schema up to date (logged); throws an error with one line for the operator. */
export async function openCollectorStore(
  settings: StoreSettings,
  log: Logger,
  events: StoreEvents,
): Promise<CollectorStore> {
  const store = new SqliteStore(settings.db, events);
  const { created, upgraded, checkMs } = store.opened;
  if (created) log.info({ db: store.where, schema: SCHEMA_VERSION }, 'database created');
  if (upgraded) log.info({ db: store.where, ...upgraded }, 'database schema upgraded');
  log.info({ db: store.where, checkMs }, 'database checked');
  return Promise.resolve(store);
}
