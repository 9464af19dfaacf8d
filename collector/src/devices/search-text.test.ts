import BetterSqlite3 from 'better-sqlite3';
import { expect, test } from 'vitest';
import { DEVICE_SEARCH_SELECT } from '../store/migrations/008-device-search.js';
import { deviceSearchText } from './search-text.js';

/** Inventories of the agent's shape (collector/src/inventory), and the odd ones a store may hold. */
const inventories: unknown[] = [
  {
    network: [
      { name: 'eth0', ipv4: ['10.0.0.5', '10.0.0.6'], ipv6: ['fe80::1'] },
      { name: 'wlan0', ipv4: ['192.168.1.20'], ipv6: [] },
    ],
    software: [{ name: 'Mozilla Firefox', version: '128' }, { name: 'Sage Compta' }],
  },
  { network: [], software: [] },
  {},
  { network: [{ name: 'lo' }], software: [{ version: 'no name' }, { name: null }, { name: 'Écran+ (x64)' }] },
  { network: { eth0: { ipv4: ['10.1.1.1'], ipv6: ['::1'] } }, software: [{ name: 42 }] },
];

test('the searchable text computed in TypeScript is what migration 008’s SQL gives on SQLite', () => {
  const sqlite = new BetterSqlite3(':memory:');
  try {
    sqlite.exec('CREATE TABLE inventory_snapshots (id INTEGER PRIMARY KEY, device_id INTEGER NOT NULL, data TEXT NOT NULL)');
    const insert = sqlite.prepare('INSERT INTO inventory_snapshots (id, device_id, data) VALUES (?, ?, ?)');
    for (const [i, inv] of inventories.entries()) insert.run(i + 1, i + 1, JSON.stringify(inv));
    const bySql = sqlite.prepare(`${DEVICE_SEARCH_SELECT} ORDER BY s.id`).raw(true).all() as [number, string, string][];
    expect(bySql).toHaveLength(inventories.length);
    expect(bySql[0]).toEqual([1, '10.0.0.5\n10.0.0.6\n192.168.1.20\nfe80::1', 'Mozilla Firefox\nSage Compta']);
    expect(inventories.map((inv, i) => [i + 1, ...Object.values(deviceSearchText(JSON.stringify(inv)))])).toEqual(bySql);
  } finally {
    sqlite.close();
  }
});
