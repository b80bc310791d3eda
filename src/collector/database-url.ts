// `db:` as a PostgreSQL URL: recognised, checked, told apart from its password (which is kept
// out of the URL, so the URL is safe to log) and named by host and port in messages.

/** True when `db` names PostgreSQL (`postgres://` or `postgresql://`) rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** A PostgreSQL URL taken apart: the URL without its password, and the password if it held one. */
export interface PostgresTarget {
  /** The URL without a password: safe to log and to show. */
  url: string;
  password: string | null;
  host: string;
  port: number;
  database: string;
}

/** Reads a `postgres://user@host:port/database` URL; a problem is one line naming what to write. */
export function parsePostgresUrl(db: string): PostgresTarget | { problem: string } {
  let url: URL;
  try {
    url = new URL(db);
  } catch {
    return { problem: `${EXAMPLE_HINT} (it is not a URL)` };
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (url.hostname === '') return { problem: `${EXAMPLE_HINT} (the host is missing)` };
  if (database === '' || database.includes('/')) {
    return { problem: `${EXAMPLE_HINT} (name one database after the host)` };
  }
  const password = url.password === '' ? null : decodeURIComponent(url.password);
  url.password = '';
  return {
    url: url.toString(),
    password,
    host: url.hostname,
    port: url.port === '' ? 5432 : Number(url.port),
    database,
  };
}

const EXAMPLE_HINT = 'db: a PostgreSQL URL looks like postgres://corral@db.example.org:5432/corral';

/** The URL with any password replaced, for a message about a URL that could not be read. */
export function redactUrl(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
}
