import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest.shared.js';

// Unit tests beside the code (src/) and browser tests (test/) against a real collector serving the
// freshly built dashboard in Debian's Chromium.
export default defineConfig({
  test: {
    ...reporting('dashboard'),
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // The collector checks every answer against its route's response schema (collector/src/api/response-check.ts).
    env: { VIGIE_CHECK_RESPONSES: '1' },
    // A page's answer may take a few seconds on a loaded 2-core machine.
    expect: { poll: { timeout: 10_000, interval: 50 } },
  },
});
