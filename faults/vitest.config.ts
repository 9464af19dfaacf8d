import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest.shared.js';

// One scenario at a time: each starts its own collector and agents, and some mount file systems.
export default defineConfig({
  test: { ...reporting('faults'), include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 180_000, fileParallelism: false },
});
