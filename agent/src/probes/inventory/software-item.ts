import type { InventorySoftwareItem } from '@vigie/shared';
import { cleanText, compact, toInt } from './clean-values.js';

export type SoftwareSource = InventorySoftwareItem['source'];

export interface RawSoftware {
  name: unknown;
  version?: unknown;
  publisher?: unknown;
  installedAt?: string | undefined;
  arch?: unknown;
  sizeBytes?: unknown;
}

/** One cleaned software entry, or undefined when it has no usable name. */
export function makeSoftwareItem(source: SoftwareSource, raw: RawSoftware): InventorySoftwareItem | undefined {
  const name = cleanText(raw.name);
  if (name === undefined) return undefined;
  return compact({
    name,
    version: cleanText(raw.version),
    publisher: cleanText(raw.publisher),
    installedAt: raw.installedAt,
    source,
    arch: cleanText(raw.arch),
    sizeBytes: toInt(raw.sizeBytes),
  });
}

/** Keeps the first entry of each name + version (+ arch) triple; registries list some products twice. */
export function dedupeSoftware(items: InventorySoftwareItem[]): InventorySoftwareItem[] {
  const seen = new Set<string>();
  const out: InventorySoftwareItem[] = [];
  for (const item of items) {
    const key = `${item.name.toLowerCase()}\u0000${item.version ?? ''}\u0000${item.arch ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}
