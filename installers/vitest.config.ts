import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest.shared.js';

export default defineConfig({
  test: {
    ...reporting('installers'),
    include: ['src/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites start collectors, wine and dpkg: one file at a time on this 2-core machine.
    fileParallelism: false,
  },
});
