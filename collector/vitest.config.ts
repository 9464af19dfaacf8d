import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest.shared.js';

export default defineConfig({
  test: {
    ...reporting('collector'),
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Every answer is checked against its route's response schema (collector/src/api/response-check.ts).
    env: { VIGIE_CHECK_RESPONSES: '1' },
  },
});
