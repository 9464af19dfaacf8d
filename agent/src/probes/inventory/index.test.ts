import { agentBodyError } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { collectInventory, collectInventoryDetailed, inventoryHash } from './index.js';

// Live: runs on the machine under test (the Debian 12 development VM: no physical disk, empty BIOS).
describe.runIf(process.platform === 'linux')('collectInventory on this machine', () => {
  it('returns a valid inventory with a hostname, dpkg packages and MACs in under 3 s', async () => {
    const started = performance.now();
    const inv = await collectInventory({ now: 1_700_000_000_000 });
    const elapsed = performance.now() - started;

    expect(agentBodyError('inventory', inv)).toBeUndefined();
    expect(inv.collectedAt).toBe(1_700_000_000_000);
    expect(inv.os.hostname.length).toBeGreaterThan(0);
    const dpkg = inv.software.filter((s) => s.source === 'dpkg' && s.version);
    expect(dpkg.length).toBeGreaterThan(50);
    expect(inv.network.some((n) => n.mac !== undefined && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(n.mac))).toBe(true);
    expect(elapsed).toBeLessThan(3_000);
    console.info(`inventory: ${Math.round(elapsed)} ms, ${inv.software.length} packages, ${JSON.stringify(inv).length} bytes`);
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
