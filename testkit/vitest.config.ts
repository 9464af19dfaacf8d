import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest.shared.js';

export default defineConfig({ test: { ...reporting('testkit'), include: ['src/**/*.test.ts'], testTimeout: 30_000 } });
