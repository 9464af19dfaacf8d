import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';

/**
 * A field a request body got wrong, in the terms both ends use: the field as a JSON pointer
 * (`/buyer/siren`), the rule it broke (the JSON Schema keyword: required, pattern, minimum…) and the
 * rule's limit. The collector sends these in its errors' details (from ajv); the dashboard finds the
 * same before sending, from the same schema, and says both in the reader's language.
 */
export interface FieldProblem {
  field: string;
  rule: string;
  limit?: number | string;
}

// The one the collector's ajv (ajv-formats) applies.
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;
if (!FormatRegistry.Has('email')) FormatRegistry.Set('email', (v) => EMAIL.test(v));

const RULES: Partial<Record<ValueErrorType, [string, string?]>> = {
  [ValueErrorType.ObjectRequiredProperty]: ['required'],
  [ValueErrorType.ObjectAdditionalProperties]: ['additionalProperties'],
  [ValueErrorType.StringPattern]: ['pattern', 'pattern'],
  [ValueErrorType.StringFormat]: ['format', 'format'],
  [ValueErrorType.StringFormatUnknown]: ['format', 'format'],
  [ValueErrorType.StringMinLength]: ['minLength', 'minLength'],
  [ValueErrorType.StringMaxLength]: ['maxLength', 'maxLength'],
  [ValueErrorType.IntegerMinimum]: ['minimum', 'minimum'],
  [ValueErrorType.NumberMinimum]: ['minimum', 'minimum'],
  [ValueErrorType.IntegerMaximum]: ['maximum', 'maximum'],
  [ValueErrorType.NumberMaximum]: ['maximum', 'maximum'],
  [ValueErrorType.IntegerExclusiveMinimum]: ['exclusiveMinimum', 'exclusiveMinimum'],
  [ValueErrorType.NumberExclusiveMinimum]: ['exclusiveMinimum', 'exclusiveMinimum'],
  [ValueErrorType.IntegerExclusiveMaximum]: ['exclusiveMaximum', 'exclusiveMaximum'],
  [ValueErrorType.NumberExclusiveMaximum]: ['exclusiveMaximum', 'exclusiveMaximum'],
  [ValueErrorType.ArrayMinItems]: ['minItems', 'minItems'],
  [ValueErrorType.ArrayMaxItems]: ['maxItems', 'maxItems'],
  [ValueErrorType.Integer]: ['type', 'type'],
  [ValueErrorType.Number]: ['type', 'type'],
  [ValueErrorType.String]: ['type', 'type'],
  [ValueErrorType.Boolean]: ['type', 'type'],
  [ValueErrorType.Array]: ['type', 'type'],
  [ValueErrorType.Object]: ['type', 'type'],
  [ValueErrorType.Literal]: ['enum'],
  [ValueErrorType.Union]: ['enum'],
};

/** What is wrong with `value` for `schema`, one problem per field, in the order the schema reads them. */
export function fieldProblems(schema: TSchema, value: unknown): FieldProblem[] {
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    const [rule, key] = RULES[e.type] ?? ['invalid'];
    const limit = key ? (e.schema as Record<string, unknown>)[key] : undefined;
    out.push({ field: e.path, rule, ...(typeof limit === 'number' || typeof limit === 'string' ? { limit } : {}) });
  }
  return out;
}

/** The property a problem is about: the last name of its pointer that is not an array index (`/lines/0/quantity` → quantity). */
export function fieldName(pointer: string): string {
  const parts = pointer.split('/').filter((p) => p !== '' && !/^\d+$/.test(p));
  return parts.at(-1) ?? '';
}
