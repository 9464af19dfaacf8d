import { type Static, Type } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

export const ScriptLanguage = Type.Union([Type.Literal('sh'), Type.Literal('bash'), Type.Literal('zsh'), Type.Literal('powershell')]);
export type ScriptLanguage = Static<typeof ScriptLanguage>;

/** A parameter name becomes the environment variable `VIGIE_PARAM_<NAME>` on the agent. */
export const ScriptParamName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,31}$' });

export const ScriptParamDef = Type.Object(
  {
    name: ScriptParamName,
    type: Type.Union([Type.Literal('string'), Type.Literal('integer'), Type.Literal('boolean'), Type.Literal('choice')]),
    label: Type.Optional(Type.String({ maxLength: 200 })),
    required: Type.Optional(Type.Boolean()),
    /** For `choice`: the only values accepted. */
    choices: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 50 })),
    /** For `string`: at most this many characters (default 1024). */
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
    minimum: Type.Optional(Type.Integer()),
    maximum: Type.Optional(Type.Integer()),
  },
  strict,
);
export type ScriptParamDef = Static<typeof ScriptParamDef>;
export const ScriptParamDefs = Type.Array(ScriptParamDef, { maxItems: 20 });

export const ScriptParamValue = Type.Union([Type.String({ maxLength: 4096 }), Type.Integer(), Type.Boolean()]);
export const ScriptParamValues = Type.Record(ScriptParamName, ScriptParamValue);
export type ScriptParamValues = Static<typeof ScriptParamValues>;

/**
 * Checks values against a script's parameter definitions: every value declared and of its type,
 * every required one present. Returns the first problem, in French (the technician reads it).
 */
export function scriptParamsError(defs: readonly ScriptParamDef[], values: Record<string, unknown>): string | undefined {
  const byName = new Map(defs.map((d) => [d.name, d]));
  for (const name of Object.keys(values)) if (!byName.has(name)) return `Paramètre inconnu : ${name}`;
  for (const d of defs) {
    const v = values[d.name];
    if (v === undefined) {
      if (d.required) return `Paramètre requis : ${d.name}`;
      continue;
    }
    switch (d.type) {
      case 'string':
        if (typeof v !== 'string') return `${d.name} : texte attendu`;
        if (v.length > (d.maxLength ?? 1024)) return `${d.name} : ${d.maxLength ?? 1024} caractères au plus`;
        // A NUL cannot travel in an environment variable; a line break is allowed (multi-line values).
        if (v.includes('\0')) return `${d.name} : caractère NUL interdit`;
        break;
      case 'integer':
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) return `${d.name} : nombre entier attendu`;
        if (d.minimum !== undefined && v < d.minimum) return `${d.name} : ${d.minimum} au moins`;
        if (d.maximum !== undefined && v > d.maximum) return `${d.name} : ${d.maximum} au plus`;
        break;
      case 'boolean':
        if (typeof v !== 'boolean') return `${d.name} : oui ou non attendu`;
        break;
      case 'choice':
        if (typeof v !== 'string' || !(d.choices ?? []).includes(v)) return `${d.name} : valeur hors de la liste (${(d.choices ?? []).join(', ')})`;
        break;
    }
  }
  return undefined;
}

/** How a typed value reaches the script: an environment variable's text. */
export function paramEnvValue(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}
