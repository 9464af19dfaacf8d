import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest.shared.js';

export default defineConfig({ test: { ...reporting('bench'), include: ['src/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } });
