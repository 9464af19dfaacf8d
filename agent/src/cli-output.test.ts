import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `vigie-agent inventory --json | jq` got the first 65,536 bytes (a pipe's capacity): the CLI exited
// before stdout had drained. The CLI runs here as its own process with its stdout on a pipe.

const AGENT_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vigie-agent.mjs');
const PACKAGES = 3000;
const hasDpkg = !spawnSync('dpkg-query', ['--version']).error;
let admindir: string;

/** Runs the CLI with stdout to a pipe, read as it comes; resolves with all of it once the process exited. */
function runPiped(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

beforeAll(() => {
  // A dpkg database of its own (dpkg-query reads DPKG_ADMINDIR) with enough packages that the
  // inventory is several pipe-fulls whatever this machine has installed.
  admindir = mkdtempSync(join(tmpdir(), 'vigie-dpkg-admin-'));
  for (const d of ['info', 'updates']) mkdirSync(join(admindir, d));
  const stanza = (i: number) =>
    `Package: vigie-cli-test-${String(i).padStart(4, '0')}\nStatus: install ok installed\nPriority: optional\nSection: misc\nInstalled-Size: ${i + 1}\nMaintainer: Vigie tests <tests@vigie.invalid>\nArchitecture: all\nVersion: 1.${i}-1\nDescription: package of the CLI output test\n`;
  writeFileSync(join(admindir, 'status'), Array.from({ length: PACKAGES }, (_, i) => stanza(i)).join('\n'));
});
afterAll(() => rmSync(admindir, { recursive: true, force: true }));

describe.runIf(process.platform === 'linux' && hasDpkg)('vigie-agent CLI output through a pipe', () => {
  it('inventory --json prints the whole inventory, well over 64 KiB, as valid JSON', async () => {
    const r = await runPiped(['inventory', '--json', '--log-level', 'error'], { DPKG_ADMINDIR: admindir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(3 * 65_536);
    const inv = JSON.parse(r.stdout.toString('utf8'));
    expect(inv.software.filter((s: { name: string }) => s.name.startsWith('vigie-cli-test-'))).toHaveLength(PACKAGES);
  });
});
