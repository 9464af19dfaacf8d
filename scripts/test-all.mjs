#!/usr/bin/env node
// `npm test`: install what is missing, then run every package's tests, one package at a time
// (the machine has 2 cores and several suites start real servers).
import { installNodePackages, installSystemPackages } from './setup.mjs';
import { runPnpm } from './pnpm.mjs';

installNodePackages();
installSystemPackages();
const code = runPnpm(['-r', '--workspace-concurrency=1', '--no-bail', 'run', 'test']);
process.exit(code);
