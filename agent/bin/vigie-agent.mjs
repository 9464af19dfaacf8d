#!/usr/bin/env node
// Runs the agent from its TypeScript sources (tsx compiles on load). Installers ship a bundled single executable instead.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
