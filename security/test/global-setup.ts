import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import buildDashboard from '../../dashboard/test/global-setup.js';
import { startWorld } from './support/world.js';

/**
 * Refuses to run anywhere but in a network namespace with only loopback (run.mjs makes it): the
 * suite points agents at metadata addresses and other targets on purpose, and nothing of it may
 * leave the machine.
 */
function assertIsolated(): void {
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(':')[1]?.trim().split('@')[0]);
  if (!process.env.VIGIE_SEC_NETNS || links.length !== 1 || links[0] !== 'lo')
    throw new Error(`the security suite runs only inside its network namespace (interfaces here: ${links.join(', ')}): use npm run test:security`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  assertIsolated();
  await buildDashboard();
  const { world, stop } = await startWorld();
  project.provide('world', world);
  return stop;
}
