import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest.shared.js';

export default defineConfig({
  test: {
    // The PostgreSQL run (test:postgres) reports under its own name beside the SQLite run's.
    ...reporting(process.env.VIGIE_TEST_DATABASE === 'postgres' ? 'collector-postgres' : 'collector'),
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // VIGIE_TEST_DATABASE=postgres: one PostgreSQL cluster for the run, a fresh database per test collector.
    globalSetup: ['test/postgres-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Every answer is checked against its route's response schema (collector/src/api/response-check.ts).
    env: { VIGIE_CHECK_RESPONSES: '1' },
  },
});
