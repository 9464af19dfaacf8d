// `pnpm --filter @vigie/installers run build`: every artefact into dist/ — the agent bundle, one
// single executable per target, the Debian packages, the install.sh one-liner, the MSI and the
// macOS archive.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAgent } from './bundle-agent.js';
import { buildDeb } from './deb.js';
import { buildMacArchive } from './macos.js';
import { buildMsi } from './msi.js';
import { buildSea, DIST } from './sea.js';
import { TARGETS } from './targets.js';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function buildAll(outDir = DIST): Promise<string[]> {
  const bundle = await bundleAgent(join(outDir, 'vigie-agent.cjs'));
  const made: string[] = [bundle];
  for (const target of TARGETS) {
    const sea = buildSea(target, { bundle, outDir });
    console.log(`${sea.path}  ${mib(sea.bytes)}  ${secs(sea.ms)}`);
    made.push(sea.path);
    if (target === 'linux-x64' || target === 'linux-arm64') {
      const deb = buildDeb(target, sea.path, outDir);
      console.log(`${deb.path}  ${mib(deb.bytes)}  ${secs(deb.ms)}`);
      made.push(deb.path);
    }
    const pkg = target === 'win-x64' ? buildMsi(sea.path, outDir) : target === 'darwin-x64' ? buildMacArchive(sea.path, outDir) : undefined;
    if (pkg) {
      console.log(`${pkg.path}  ${mib(pkg.bytes)}  ${secs(pkg.ms)}`);
      made.push(pkg.path);
    }
  }
  const installSh = join(outDir, 'install.sh');
  copyFileSync(fileURLToPath(new URL('../packaging/linux/install.sh', import.meta.url)), installSh);
  made.push(installSh);
  return made;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildAll();
}
