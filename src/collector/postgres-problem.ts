// What went wrong talking to PostgreSQL, in one line an operator can act on: where (host, port,
// database), what (refused, timed out, password, no database, a newer schema) and what to do.
// Never the password: messages carry the host and port, not the URL.
import { redactUrl, type PostgresTarget } from './database-url.js';
import { SchemaError } from './schema.js';

export function postgresProblem(err: unknown, target: PostgresTarget): string {
  const where = `PostgreSQL at ${target.host}:${target.port} (database ${target.database})`;
  if (err instanceof SchemaError) return `${where}: ${err.message}`;
  const e = err as { code?: string; message?: string };
  const message = redactUrl(e.message ?? String(err));
  switch (e.code) {
    case 'ECONNREFUSED':
      return `${where}: connection refused: start PostgreSQL, or correct db: in corral.yaml (or --db)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${where}: no such host: correct db: in corral.yaml (or --db)`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where}: unreachable (${e.code}): check the network and the firewall between here and there`;
    case '28P01':
      return `${where}: the password was refused: check db_password_file: (or the \${VAR} in db:)`;
    case '28000':
      return `${where}: ${message}: allow this host and user in pg_hba.conf`;
    case '3D000':
      return `${where}: the database does not exist: create it (createdb -O <user> ${target.database})`;
    case '42501':
      return `${where}: permission denied (${message}): make the user own the database`;
    case '57P01':
    case '57P02':
    case '57P03':
      return `${where}: the server is shutting down or starting (${message})`;
  }
  if (/client password must be a string/.test(message)) {
    return `${where}: the server asks for a password and none is given: set db_password_file: in corral.yaml (or the password in db: with \${VAR})`;
  }
  if (/timeout|timed out/i.test(message)) {
    return `${where}: no answer in time (${message}): is the server overloaded or stopped?`;
  }
  return `${where}: ${message}`;
}
