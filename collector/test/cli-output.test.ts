import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A CLI that exits right after printing loses what a pipe had not taken yet (`vigie-agent inventory
// --json | jq` got 65,536 bytes). The collector's CLI runs here as its own process, stdout on a pipe.

const COLLECTOR_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vigie-collector.mjs');
const CLIENTS = 2000;
let dir: string;

function runPiped(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COLLECTOR_BIN, ...args, '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-cli-output-'));
  await promisify(execFile)(process.execPath, [COLLECTOR_BIN, 'client', 'create', '--name', 'Acme SARL', '--data-dir', dir, '--json']);
  // Enough clients, each with a site, that the list is several pipe-fulls (written to the store directly: set-up only).
  const db = new Database(join(dir, 'vigie.db'));
  const client = db.prepare('INSERT INTO clients (name, created_at) VALUES (?, ?)');
  const site = db.prepare('INSERT INTO sites (client_id, name, created_at) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= CLIENTS; i++) {
      const id = client.run(`Client n° ${i} — Établissements Dupont & fils`, Date.now()).lastInsertRowid;
      site.run(id, `Siège social du client ${i}`, Date.now());
    }
  })();
  db.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigie-collector CLI output through a pipe', () => {
  it('client list --json prints every client, well over 64 KiB, as valid JSON', async () => {
    const r = await runPiped(['client', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(3 * 65_536);
    const { clients } = JSON.parse(r.stdout.toString('utf8'));
    expect(clients).toHaveLength(CLIENTS + 1);
    expect(clients.filter((c: { sites: unknown[] }) => c.sites.length === 1)).toHaveLength(CLIENTS);
  });
});
