import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest.shared.js';

export default defineConfig({
  test: { ...reporting('collector'), include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
});
