import { defineConfig } from 'vitest/config';
import { reporting } from '../vitest.shared.js';

export default defineConfig({ test: { ...reporting('installers'), include: ['src/**/*.test.ts'], testTimeout: 60_000 } });
