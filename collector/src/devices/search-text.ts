/**
 * The device list's searchable text of one inventory snapshot: its IPv4 then IPv6 addresses and its
 * software names, each newline-separated. Computed here rather than in SQL so that one form serves
 * both engines (SQLite's json_each/group_concat have no PostgreSQL spelling); it gives what the
 * SQLite form of migration 008 (`DEVICE_SEARCH_SELECT`) gives, which `search-text.test.ts` checks.
 */
export function deviceSearchText(snapshotData: string): { ips: string; software: string } {
  const data = JSON.parse(snapshotData) as unknown;
  const networks = each(field(data, 'network'));
  const v4 = networks.flatMap((n) => each(field(n, 'ipv4')));
  const v6 = networks.flatMap((n) => each(field(n, 'ipv6')));
  const names = each(field(data, 'software')).map((s) => field(s, 'name'));
  return { ips: `${joinLines(v4)}\n${joinLines(v6)}`, software: joinLines(names) };
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/** The rows json_each gives: an array's items, an object's values, a lone value itself. */
function each(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'object') return Object.values(value);
  return [value];
}

/** group_concat(…, char(10)): SQL NULLs (JSON null, absent) are left out, other values as their text. */
function joinLines(values: unknown[]): string {
  const parts: string[] = [];
  for (const v of values) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'string') parts.push(v);
    else if (typeof v === 'boolean') parts.push(v ? '1' : '0');
    else if (typeof v === 'number') parts.push(String(v));
    else parts.push(JSON.stringify(v));
  }
  return parts.join('\n');
}
