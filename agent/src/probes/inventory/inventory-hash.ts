import { createHash } from 'node:crypto';
import { canonicalInventory, type Inventory } from '@vigie/shared';

export { canonicalJson } from '@vigie/shared';

/** sha256 (hex) of the inventory's canonical form, the same the collector computes. */
export function inventoryHash(inv: Inventory): string {
  return createHash('sha256').update(canonicalInventory(inv)).digest('hex');
}
