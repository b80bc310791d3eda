import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers; two cores do not like many at once.
    maxWorkers: 2,
    // CORRAL_TEST_DB=postgres: one PostgreSQL cluster for the run (nothing otherwise).
    globalSetup: ['test/support/postgres-setup.ts'],
  },
});
