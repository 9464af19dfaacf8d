import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** The browser tests run against the built dashboard, as the collector serves it: build it first. */
export default async function setup(): Promise<void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
}
