// PostgreSQL's schema keeps step with SQLite's: each SQLite upgrade (schema.ts) needs its twin in
// postgres-schema.ts, or a collector on PostgreSQL would record a version whose tables it lacks.
import { describe, expect, it } from 'vitest';
import { POSTGRES_SCHEMA_VERSION } from '../../../src/collector/postgres-schema.js';
import { SCHEMA_VERSION } from '../../../src/collector/schema.js';

describe("PostgreSQL's schema version", () => {
  it("reaches SQLite's", () => {
    expect(POSTGRES_SCHEMA_VERSION).toBe(SCHEMA_VERSION);
  });
});
