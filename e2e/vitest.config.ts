import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest.shared.js';

export default defineConfig({
  test: { ...reporting('e2e'), include: ['test/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 120_000, fileParallelism: false },
});
