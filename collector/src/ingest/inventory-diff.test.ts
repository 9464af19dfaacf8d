import { sampleInventory } from '@vigie/shared/fixtures';
import { describe, expect, it } from 'vitest';
import { diffInventory } from './inventory-diff.js';

describe('inventory change history', () => {
  it('finds nothing between identical inventories, even when used space and login times move', () => {
    const next = structuredClone(sampleInventory);
    next.filesystems[0]!.usedBytes = 1;
    next.users[0]!.loginAt = '2026-11-01T00:00:00Z';
    expect(diffInventory(sampleInventory, next)).toEqual([]);
  });

  it('reports software added, removed and upgraded, and a replaced disk', () => {
    const next = structuredClone(sampleInventory);
    next.software = [
      { name: 'libreoffice-core', version: '4:7.4.8-1', publisher: 'Debian LibreOffice Maintainers', source: 'dpkg', arch: 'amd64' },
      { name: 'keepassxc', version: '2.7.4', source: 'dpkg' },
    ];
    next.disks = [{ ...next.disks[0]!, serial: 'NEWSERIAL', model: 'Samsung 980' }];
    next.memory.totalBytes = 34_359_738_368;
    const changes = diffInventory(sampleInventory, next);
    const summary = changes.map((c) => `${c.section} ${c.change} ${c.key}`).sort();
    expect(summary).toEqual([
      'disks added NEWSERIAL',
      'disks removed 2049XY801234',
      'memory changed totalBytes',
      'software added keepassxc',
      'software changed libreoffice-core:amd64',
      'software removed firefox-esr',
    ]);
    const upgrade = changes.find((c) => c.key === 'libreoffice-core:amd64');
    expect(upgrade?.before).toMatchObject({ version: '4:7.4.7-1+deb12u3' });
    expect(upgrade?.after).toMatchObject({ version: '4:7.4.8-1' });
  });

  it('reports field changes of the machine itself', () => {
    const next = structuredClone(sampleInventory);
    next.os.release = '13';
    delete next.system.sku;
    next.bios.version = '1.15.0';
    expect(diffInventory(sampleInventory, next).map((c) => `${c.section}.${c.key}:${c.change}`)).toEqual(['bios.version:changed', 'os.release:changed']);
  });
});
