// `db:` and `--db`: a SQLite file or a PostgreSQL URL, the password kept out of the URL (so the URL
// can be logged) and never taken from argv; each mistake one line naming the key.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/collector/config.js';
import { parsePostgresUrl, redactUrl } from '../../../src/collector/database-url.js';

function withConfig(text: string, files: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-db-'));
  const file = path.join(dir, 'corral.yaml');
  writeFileSync(file, text);
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
  return { dir, file };
}

afterEach(() => {
  delete process.env.CORRAL_TEST_PG_PASSWORD;
});

describe('db: and --db', () => {
  it('keeps a file path a file, resolved beside the config or from the working directory', () => {
    const { dir, file } = withConfig('db: data/c.db\n');
    expect(loadSettings(file)).toMatchObject({ db: path.join(dir, 'data/c.db'), dbPassword: null });
    expect(loadSettings(file, { db: 'x.db' }).db).toBe(path.resolve('x.db'));
  });

  it('takes a postgres:// URL as it is, and the password of a ${VAR} out of it', () => {
    process.env.CORRAL_TEST_PG_PASSWORD = 's3cr:t@x';
    const { file } = withConfig(
      'db: postgres://corral:${CORRAL_TEST_PG_PASSWORD}@db.example.org:5433/corral\n',
    );
    // The password's characters as the variable gives them (a URL would need them escaped).
    const s = loadSettings(file);
    expect(s.db).toBe('postgres://corral@db.example.org:5433/corral');
    expect(s.dbPassword).toBe('s3cr:t@x');
  });

  it('reads db_password_file: beside the config, also for a URL given with --db', () => {
    const { file } = withConfig('db_password_file: pw\n', { pw: 'from-file\n' });
    const s = loadSettings(file, { db: 'postgresql://corral@127.0.0.1/corral' });
    expect(s).toMatchObject({
      db: 'postgresql://corral@127.0.0.1/corral',
      dbPassword: 'from-file',
    });
  });

  it('refuses a password in --db (ps shows argv), without echoing it', () => {
    const load = () => loadSettings(undefined, { db: 'postgres://corral:hunter2@h/corral' });
    expect(load).toThrow(
      /^--db: a password on the command line shows in ps: give it with db_password_file:/,
    );
    expect(load).not.toThrow(/hunter2/);
  });

  it('refuses two passwords, a password file for SQLite, a URL without a database, and an empty password file', () => {
    const two = withConfig('db: postgres://u:p@h/d\ndb_password_file: pw\n', { pw: 'x\n' });
    expect(() => loadSettings(two.file)).toThrow(
      /corral\.yaml: db: the URL holds a password and db_password_file: gives another: keep one$/,
    );
    const sqlite = withConfig('db: c.db\ndb_password_file: pw\n', { pw: 'x\n' });
    expect(() => loadSettings(sqlite.file)).toThrow(
      /db_password_file: only a PostgreSQL db: \(postgres:\/\/\.\.\.\) takes a password/,
    );
    const noDb = withConfig('db: postgres://u@h:5432\n');
    expect(() => loadSettings(noDb.file)).toThrow(
      /db: db: a PostgreSQL URL looks like postgres:\/\/corral@db\.example\.org:5432\/corral \(name one database after the host\)$/,
    );
    const empty = withConfig('db: postgres://u@h/d\ndb_password_file: pw\n', { pw: '\n' });
    expect(() => loadSettings(empty.file)).toThrow(
      /db_password_file: .*must hold the password on one line/,
    );
  });
});

describe('PostgreSQL URLs', () => {
  it('takes host, port (5432 by default) and database apart, the password out', () => {
    expect(parsePostgresUrl('postgres://u:p%40ss@db:6000/corral?sslmode=verify-full')).toEqual({
      url: 'postgres://u@db:6000/corral?sslmode=verify-full',
      password: 'p@ss',
      host: 'db',
      port: 6000,
      database: 'corral',
    });
    expect(parsePostgresUrl('postgres://u@db/corral')).toMatchObject({ port: 5432 });
  });

  it('hides a password in any text that carries a URL', () => {
    expect(redactUrl('cannot parse postgres://u:secret@h/d here')).toBe(
      'cannot parse postgres://u:***@h/d here',
    );
  });
});
