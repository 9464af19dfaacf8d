import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );

describe('rules the collector’s strict CSP and the data make us keep', () => {
  it('has no inline script or style in index.html, and French as the page language', () => {
    const html = readFileSync(join(root, 'index.html'), 'utf8');
    expect(html).toContain('<html lang="fr">');
    for (const m of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
      expect(m[0]).toMatch(/\bsrc="/);
      expect(m[1]!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style|style="/);
  });

  it('never renders data as HTML', () => {
    for (const f of sources(join(root, 'src'))) {
      expect(readFileSync(f, 'utf8'), f).not.toMatch(/dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});
