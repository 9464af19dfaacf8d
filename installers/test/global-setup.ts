// Builds the agent's single executables once per test run: every installer test uses the same ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleAgent } from '../src/bundle-agent.js';
import { buildSea, type SeaBuild } from '../src/sea.js';
import { TARGETS } from '../src/targets.js';

declare module 'vitest' {
  export interface ProvidedContext {
    seaBuilds: SeaBuild[];
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-sea-'));
  const bundle = await bundleAgent(join(dir, 'vigie-agent.cjs'));
  const builds = TARGETS.map((target) => buildSea(target, { bundle, outDir: dir }));
  for (const b of builds) console.log(`[sea] ${b.target}: ${(b.bytes / 2 ** 20).toFixed(1)} MiB in ${(b.ms / 1000).toFixed(1)} s`);
  project.provide('seaBuilds', builds);
  return () => rmSync(dir, { recursive: true, force: true });
}
