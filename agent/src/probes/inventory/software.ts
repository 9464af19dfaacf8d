import type { InventorySoftwareItem } from '@vigie/shared';
import { collectDarwinSoftware } from './software-darwin.js';
import { collectLinuxSoftware } from './software-linux.js';
import { collectWindowsSoftware } from './software-windows.js';

export type SoftwareCollector = () => Promise<InventorySoftwareItem[]>;

/** The wire schema's cap (InventoryBody.software maxItems). */
export const MAX_SOFTWARE_ITEMS = 50_000;

const COLLECTORS: Partial<Record<NodeJS.Platform, SoftwareCollector>> = {
  linux: collectLinuxSoftware,
  win32: collectWindowsSoftware,
  darwin: collectDarwinSoftware,
};

export function softwareCollectorFor(platform: NodeJS.Platform): SoftwareCollector {
  const collector = COLLECTORS[platform];
  if (collector) return collector;
  return async () => {
    throw new Error(`no software inventory on platform ${platform}`);
  };
}

/** Never rejects: a failed or oversized software list becomes a warning, not a failed inventory. */
export async function collectSoftwareSafely(collector: SoftwareCollector, warnings: string[]): Promise<InventorySoftwareItem[]> {
  let items: InventorySoftwareItem[];
  try {
    items = await collector();
  } catch (error) {
    warnings.push(`software: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
  if (items.length > MAX_SOFTWARE_ITEMS) {
    warnings.push(`software: list truncated to ${MAX_SOFTWARE_ITEMS} of ${items.length} entries`);
    return items.slice(0, MAX_SOFTWARE_ITEMS);
  }
  return items;
}
