/** Small helpers the catalogue's sentences are written with. */

/** A clause that exists only when its value does: `when(c.num('ageHours'), (h) => ` (${f.hours(h)})`)`. */
export const when = <T>(value: T | undefined, clause: (v: T) => string, otherwise = ''): string => (value === undefined ? otherwise : clause(value));

/** A table's own entry for a key that came from an agent (never `constructor` or another inherited name). */
export const own = <V>(table: Readonly<Record<string, V>>, key: string | undefined): V | undefined =>
  key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
