// `corral backup FILE`: a consistent copy of the collector's database, made from the file itself
// (on the collector's host, as its user), while the collector runs or not.
import type { Command } from 'commander';
import { CliError } from './errors.js';
import { writeOut } from './output.js';

interface BackupOptions {
  config?: string;
  db?: string;
  force?: boolean;
}

export function register(program: Command): void {
  program
    .command('backup')
    .description("copy the collector's SQLite database consistently, even while it runs")
    .argument('<file>', 'where to write the copy (restore: docs/backup.md)')
    .option(
      '--config <file>',
      'corral.yaml naming the database (its db key), as the collector takes it',
    )
    .option('--db <path>', 'the database file (default .corral/corral.db)')
    .option('--force', 'replace FILE if it exists')
    .action((file: string, opts: BackupOptions) => backup(file, opts));
}

async function backup(file: string, opts: BackupOptions): Promise<void> {
  const { loadSettings, ConfigError } = await import('../collector/config.js');
  const { backupDatabase } = await import('../collector/database-backup.js');
  const { DatabaseError } = await import('../collector/database-file.js');
  const path = await import('node:path');
  let db: string;
  try {
    db = loadSettings(opts.config, { db: opts.db }).db;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const { isPostgresUrl } = await import('../collector/database-url.js');
  if (isPostgresUrl(db)) {
    throw new CliError(
      `corral backup copies a SQLite file; ${db} is PostgreSQL: back it up with pg_dump (docs/ha.md)`,
    );
  }
  const target = path.resolve(file);
  try {
    const r = backupDatabase(db, target, { replace: opts.force === true });
    const mb = (r.bytes / 1e6).toFixed(1);
    writeOut(
      `backed up ${db} to ${target}: ${r.slaves} slaves, ${r.heartbeats} heartbeats, ${r.actions} actions, ${mb} MB, schema ${r.schema}, in ${(r.ms / 1000).toFixed(2)} s\n`,
    );
  } catch (err) {
    if (err instanceof DatabaseError) throw new CliError(err.message);
    throw err;
  }
}
