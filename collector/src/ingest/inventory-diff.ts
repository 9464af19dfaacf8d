import type { Inventory } from '@vigie/shared';

export interface InventoryChange {
  section: string;
  change: 'added' | 'removed' | 'changed';
  key: string;
  before?: unknown;
  after?: unknown;
}

type Item = Record<string, unknown>;

/** How each list section is keyed, and which fields are too volatile to count as a change. */
const LIST_SECTIONS: { section: keyof Inventory & string; key: (it: Item, i: number) => string; ignore?: string[] }[] = [
  { section: 'disks', key: (d, i) => str(d.serial) || str(d.device) || `${str(d.model)}#${i}` },
  { section: 'filesystems', key: (f) => str(f.mount), ignore: ['usedBytes'] },
  { section: 'network', key: (n) => str(n.iface) },
  { section: 'users', key: (u) => `${str(u.user)}@${str(u.tty)}`, ignore: ['loginAt'] },
  { section: 'software', key: (s) => (s.arch ? `${str(s.name)}:${str(s.arch)}` : str(s.name)) },
];
const OBJECT_SECTIONS = ['system', 'bios', 'baseboard', 'chassis', 'cpu', 'os'] as const;
/** The current CPU clock moves on some machines: not an inventory change. */
const VOLATILE_FIELDS: Partial<Record<(typeof OBJECT_SECTIONS)[number], string[]>> = { cpu: ['speedGHz'] };

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? '' : String(v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function without(item: Item, ignore: string[] | undefined): Item {
  if (!ignore) return item;
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!ignore.includes(k)) out[k] = v;
  return out;
}

function diffObject(section: string, before: Item, after: Item, out: InventoryChange[]): void {
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[field];
    const a = after[field];
    if (same(b, a)) continue;
    const change = b === undefined ? 'added' : a === undefined ? 'removed' : 'changed';
    out.push({ section, change, key: field, before: b, after: a });
  }
}

function diffList(
  section: string,
  before: Item[],
  after: Item[],
  key: (it: Item, i: number) => string,
  ignore: string[] | undefined,
  out: InventoryChange[],
): void {
  const b = new Map(before.map((it, i) => [key(it, i), without(it, ignore)]));
  const a = new Map(after.map((it, i) => [key(it, i), without(it, ignore)]));
  for (const [k, item] of a) {
    const prev = b.get(k);
    if (prev === undefined) out.push({ section, change: 'added', key: k, after: item });
    else if (!same(prev, item)) out.push({ section, change: 'changed', key: k, before: prev, after: item });
  }
  for (const [k, item] of b) if (!a.has(k)) out.push({ section, change: 'removed', key: k, before: item });
}

/** What changed between two inventories of one device: added, removed and changed items per section. */
export function diffInventory(before: Inventory, after: Inventory): InventoryChange[] {
  const out: InventoryChange[] = [];
  for (const s of OBJECT_SECTIONS) diffObject(s, without(before[s] as Item, VOLATILE_FIELDS[s]), without(after[s] as Item, VOLATILE_FIELDS[s]), out);
  diffObject('memory', { totalBytes: before.memory.totalBytes }, { totalBytes: after.memory.totalBytes }, out);
  diffList('memory.modules', before.memory.modules as Item[], after.memory.modules as Item[], (m, i) => str(m.slot) || `#${i}`, undefined, out);
  for (const { section, key, ignore } of LIST_SECTIONS) diffList(section, before[section] as Item[], after[section] as Item[], key, ignore, out);
  return out;
}
