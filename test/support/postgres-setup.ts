// vitest's globalSetup: under CORRAL_TEST_DB=postgres, one private cluster for the whole run (the
// test processes make their databases in it) instead of one per test file on two shared cores.
// Tests that stop the server start a cluster of their own.
import type { TestProject } from 'vitest/node';
import { onPostgres, postgresInstalled, startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's cluster, its `postgres` database (for CREATE DATABASE); absent without the switch. */
    corralPostgresAdminUrl?: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  if (!onPostgres || !postgresInstalled()) return undefined;
  const cluster = await startPostgres();
  project.provide('corralPostgresAdminUrl', cluster.url('postgres'));
  return () => cluster.destroy();
}
