// Bundles the collector into dist/vigie-collector.mjs: one file for production (no TypeScript
// loader at run time, ~70 MB less resident memory). better-sqlite3 stays a native dependency.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const COLLECTOR_BUNDLE = join(root, 'dist', 'vigie-collector.mjs');

export async function bundleCollector(outfile = COLLECTOR_BUNDLE): Promise<string> {
  await build({
    entryPoints: [join(root, 'src', 'cli', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    external: ['better-sqlite3', 'pdfkit'],
    // Some dependencies still use require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __vigieCreateRequire } from 'node:module'; const require = __vigieCreateRequire(import.meta.url);" },
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`collector bundled: ${await bundleCollector()}`);
}
