import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The collector serves dist/ as static files under a strict CSP: no inline script or style, so
// the module preload polyfill (an inline helper in some setups) is off and CSS goes to files.
export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', modulePreload: { polyfill: false }, assetsInlineLimit: 0, reportCompressedSize: true },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true }, '/downloads': 'http://127.0.0.1:8080' } },
});
