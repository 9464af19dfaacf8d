import { execFileSync, spawnSync } from 'node:child_process';
import { hostname, networkInterfaces } from 'node:os';
import { agentBodyError } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { collectInventory, collectInventoryDetailed, inventoryHash } from './index.js';

// Live: runs on the machine under test, and checks what it finds against what the system itself says.
const hasDpkg = !spawnSync('dpkg-query', ['--version']).error;
const systemMacs = () =>
  new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((a) => a?.mac.toLowerCase())
      .filter((m): m is string => !!m && m !== '00:00:00:00:00:00'),
  );
describe.runIf(process.platform === 'linux')('collectInventory on this machine', () => {
  it('returns a valid inventory with this machine’s hostname, every installed dpkg package and its MAC addresses', async () => {
    const macsBefore = systemMacs();
    const inv = await collectInventory({ now: 1_700_000_000_000 });
    const macsAfter = systemMacs();
    expect(agentBodyError('inventory', inv)).toBeUndefined();
    expect(inv.collectedAt).toBe(1_700_000_000_000);
    expect(inv.os.hostname).toBe(hostname());
    // What dpkg itself lists as installed (installed, or with triggers pending), however many that is here.
    if (hasDpkg) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
      const listed = execFileSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}\t${Package}\n'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => /^.[iWt]/.test(l))
        .map((l) => l.split('\t')[1]);
      expect(new Set(inv.software.filter((s) => s.source === 'dpkg').map((s) => s.name))).toEqual(new Set(listed));
    }
    // The MAC of every addressed interface the system reports (none on a machine with only lo), of
    // those there before and after: other tests may add and remove interfaces meanwhile.
    for (const mac of macsBefore) if (macsAfter.has(mac)) expect(inv.network.map((n) => n.mac)).toContain(mac);
    // How long a collection takes is measured by `npm run bench -- agent-timings`, not asserted here.
  });

  it('hashes two collections of an unchanged machine the same', async () => {
    const [a, b] = [await collectInventory(), await collectInventory({ now: Date.now() + 60_000 })];
    expect(inventoryHash(a)).toBe(inventoryHash(b));
  });
});

describe('collectInventoryDetailed', () => {
  it('keeps the inventory when the software collector fails, and says why', async () => {
    const { inventory, warnings } = await collectInventoryDetailed({
      collectSoftware: async () => {
        throw new Error('dpkg-query failed: database locked');
      },
    });
    expect(inventory.software).toEqual([]);
    expect(warnings).toContain('software: dpkg-query failed: database locked');
    expect(agentBodyError('inventory', inventory)).toBeUndefined();
  });

  it('caps the software list at the schema limit of 50,000', async () => {
    const many = Array.from({ length: 50_010 }, (_, i) => ({ name: `p${i}`, source: 'other' as const }));
    const { inventory, warnings } = await collectInventoryDetailed({ collectSoftware: async () => many });
    expect(inventory.software).toHaveLength(50_000);
    expect(warnings).toContain('software: list truncated to 50000 of 50010 entries');
    expect(agentBodyError('inventory', inventory)).toBeUndefined();
  });
});
