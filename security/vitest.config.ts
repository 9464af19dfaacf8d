import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest.shared.js';

// Runs only inside the network namespace that run.mjs makes (test/global-setup.ts checks it): one
// real collector (two worker processes) and real agents, attacked file after file.
export default defineConfig({
  test: {
    ...reporting('security'),
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
