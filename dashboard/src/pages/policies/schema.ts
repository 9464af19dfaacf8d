/**
 * The JSON Schema of a probe's configuration (TypeBox, from GET /api/v1/probes), read to draw its
 * form: what kind of control each property takes, its bounds and its default.
 */
export interface JsonSchema {
  type?: 'integer' | 'number' | 'boolean' | 'string' | 'array' | 'object' | 'null';
  const?: string | number | boolean;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
}

export interface ProbeSpec {
  id: string;
  /** Runs on one agent per site (SNMP, flows) rather than on every machine. */
  siteRole: boolean;
  defaults: Record<string, unknown>;
  schema: JsonSchema;
}

export type FieldKind =
  | { kind: 'number'; integer: boolean; nullable: boolean }
  | { kind: 'bool' }
  | { kind: 'text'; nullable: boolean }
  | { kind: 'enum'; options: (string | number)[]; nullable: boolean }
  | { kind: 'lines' }
  | { kind: 'multi'; options: string[] }
  | { kind: 'object' }
  | { kind: 'variants'; discriminator: string; variants: JsonSchema[] }
  | { kind: 'list'; item: JsonSchema }
  | { kind: 'const'; value: unknown };

const isConst = (s: JsonSchema) => s.const !== undefined;
/** The literal values a property may take: a const, or a union of consts. */
export function literals(s: JsonSchema | undefined): (string | number | boolean)[] | undefined {
  if (!s) return undefined;
  if (isConst(s)) return [s.const!];
  if (s.anyOf?.every(isConst)) return s.anyOf.map((x) => x.const!);
  return undefined;
}

/** The property that tells a union's object variants apart (backup targets' `kind`, SNMP targets' `version`). */
function discriminatorOf(variants: JsonSchema[]): string | undefined {
  const keys = Object.keys(variants[0]?.properties ?? {});
  return keys.find((k) => variants.every((v) => literals(v.properties?.[k]) !== undefined));
}

export function fieldKind(s: JsonSchema): FieldKind {
  if (s.anyOf) {
    const nonNull = s.anyOf.filter((x) => x.type !== 'null');
    const nullable = nonNull.length < s.anyOf.length;
    if (nonNull.every(isConst)) return { kind: 'enum', options: nonNull.map((x) => x.const as string), nullable };
    if (nonNull.length === 1) {
      const inner = fieldKind(nonNull[0]!);
      if (inner.kind === 'number' || inner.kind === 'text' || inner.kind === 'enum') return { ...inner, nullable };
      return inner;
    }
    if (nonNull.every((x) => x.type === 'object')) {
      const d = discriminatorOf(nonNull);
      if (d) return { kind: 'variants', discriminator: d, variants: nonNull };
    }
    return { kind: 'text', nullable };
  }
  if (isConst(s)) return { kind: 'const', value: s.const };
  switch (s.type) {
    case 'integer':
    case 'number':
      return { kind: 'number', integer: s.type === 'integer', nullable: false };
    case 'boolean':
      return { kind: 'bool' };
    case 'array': {
      const opts = literals(s.items);
      if (opts) return { kind: 'multi', options: opts.map(String) };
      if (s.items?.type === 'string') return { kind: 'lines' };
      return { kind: 'list', item: s.items ?? {} };
    }
    case 'object':
      return { kind: 'object' };
    default:
      return { kind: 'text', nullable: false };
  }
}

/** The variant of a union an object value belongs to, by its discriminator. */
export function variantOf(k: Extract<FieldKind, { kind: 'variants' }>, value: Record<string, unknown> | undefined): JsonSchema {
  const v = value?.[k.discriminator];
  return k.variants.find((x) => literals(x.properties?.[k.discriminator])?.includes(v as string)) ?? k.variants[0]!;
}

/**
 * The defaults of an object's required properties: what a nested object must carry in full once
 * any of it is set (SNMP thresholds), or a new list entry starts with. Optional ones stay unset.
 */
export function schemaDefaults(s: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(s.properties ?? {})) if (p.default !== undefined && s.required?.includes(k)) out[k] = p.default;
  return out;
}

/** A value shown as text: lists joined, null as a dash. */
export function display(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return '—';
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : '[]';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `value` without `key` (undefined) or with it. */
export function withKey<T extends Record<string, unknown>>(value: T | undefined, key: string, v: unknown): T {
  const out = { ...(value ?? {}) } as Record<string, unknown>;
  if (v === undefined) delete out[key];
  else out[key] = v;
  return out as T;
}
