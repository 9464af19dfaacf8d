import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const AGENT_BUNDLE = join(root, 'dist', 'vigie-agent.cjs');

/**
 * Bundles the agent and its dependencies into one CommonJS script: the input of Node's
 * single-executable build. ws's optional native helpers are disabled so nothing is `require`d
 * from outside the bundle.
 */
export async function bundleAgent(outfile = AGENT_BUNDLE, opts: { version?: string } = {}): Promise<string> {
  if (opts.version !== undefined && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(opts.version)) throw new Error(`not a version: ${opts.version}`);
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [join(root, '..', 'agent', 'src', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    // Whitespace-only minification and ASCII output: V8 keeps a one-byte source string in memory
    // (a single non-ASCII character would make it two bytes per character), names stay readable.
    minifyWhitespace: true,
    charset: 'ascii',
    sourcemap: false,
    legalComments: 'none',
    define: {
      'process.env.WS_NO_BUFFER_UTIL': '"1"',
      'process.env.WS_NO_UTF_8_VALIDATE': '"1"',
      // The version this build says it is (self-update compares it); the sources' own otherwise.
      ...(opts.version ? { __VIGIE_AGENT_VERSION__: JSON.stringify(opts.version) } : {}),
    },
    logLevel: 'warning',
    write: false,
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild wrote no agent bundle');
  writeFileSync(outfile, asciiOnly(output.text));
  return outfile;
}

/**
 * esbuild's `charset: 'ascii'` leaves regular expression literals as written, and a single `°` or
 * `мс` in a dependency's regex makes V8 hold the whole bundle as a two-byte string (2.5 MB instead of
 * 1.2 MB, for the life of the agent). `\uXXXX` means the same character in a regex, a string, a
 * template or an identifier.
 */
export function asciiOnly(code: string): string {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await bundleAgent();
  console.log(`agent bundled: ${out}`);
}
