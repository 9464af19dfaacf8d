import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { messages } from '../public/messages.js';
import { dashboardPublicDir } from './index.js';

describe('minimal dashboard', () => {
  it('has the same message keys in French and English', () => {
    expect(Object.keys(messages.en).sort()).toEqual(Object.keys(messages.fr).sort());
    for (const v of [...Object.values(messages.fr), ...Object.values(messages.en)]) expect(v.trim()).not.toBe('');
  });

  it('has no inline script (the collector sends a strict Content-Security-Policy) and French as the page language', () => {
    const html = readFileSync(join(dashboardPublicDir, 'index.html'), 'utf8');
    expect(html).toContain('<html lang="fr">');
    for (const m of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
      expect(m[0]).toMatch(/\bsrc="/);
      expect(m[1]!.trim()).toBe('');
    }
  });

  it('never renders data as HTML', () => {
    const js = readFileSync(join(dashboardPublicDir, 'app.js'), 'utf8');
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
