#!/usr/bin/env node
// Runs the collector from its TypeScript sources (tsx compiles on load; no build step needed).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
