import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asciiOnly, bundleAgent } from './bundle-agent.js';

describe('agent bundle (input of the single executable)', () => {
  it('runs on its own: version, and a metrics sample of this machine', async () => {
    const out = await bundleAgent(join(mkdtempSync(join(tmpdir(), 'vigie-bundle-')), 'vigie-agent.cjs'));
    expect(statSync(out).size).toBeGreaterThan(100_000);
    // Nothing may be loaded from node_modules at run time: a single executable has none.
    const code = readFileSync(out, 'utf8');
    expect(code).not.toMatch(/require\(["'](bufferutil|utf-8-validate)["']\)/);
    // ASCII only, so V8 holds the source at one byte per character.
    expect(code.match(/[^\x00-\x7f]/g) ?? []).toEqual([]);
    const env = { ...process.env, NODE_PATH: '' };
    expect(execFileSync(process.execPath, [out, '--version'], { encoding: 'utf8', cwd: tmpdir(), env }).trim()).toBe('vigie-agent 0.1.0 (protocol v1)');
    const sample = JSON.parse(execFileSync(process.execPath, [out, 'metrics', '--json'], { encoding: 'utf8', cwd: tmpdir(), env }));
    expect(sample.values['mem.total_bytes']).toBeGreaterThan(0);
  });

  it('escapes what esbuild leaves in regular expressions without changing what they match', () => {
    const source = asciiOnly('/(ms|мс)\\s*([^°]*)/i');
    expect(source).toBe('/(ms|\\u043c\\u0441)\\s*([^\\u00b0]*)/i');
    const re = new Function(`return ${source}`)() as RegExp;
    expect(re.exec('12 МС 3°')?.slice(1)).toEqual(['МС', '3']);
  });
});
