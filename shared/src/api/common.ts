import { type TSchema, Type } from '@sinclair/typebox';

/**
 * Building blocks of the REST API's schemas (request bodies and responses). The collector uses them
 * as Fastify schemas (request validation, response serialisation), the dashboard imports their types
 * and checks its forms with them before sending: one definition of every shape.
 */
export const strict = { additionalProperties: false } as const;

/**
 * A request schema reused in a response, without its `additionalProperties: false`: the serializer
 * then drops an undeclared field instead of failing on it (inside a union it would refuse the value).
 */
export function loose<T extends TSchema>(schema: T): T {
  const copy = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(copy);
    if (s === null || typeof s !== 'object') return s;
    const out: Record<string | symbol, unknown> = {};
    for (const k of Reflect.ownKeys(s)) {
      const v = (s as Record<string | symbol, unknown>)[k];
      if (k === 'additionalProperties' && v === false) continue;
      out[k] = copy(v);
    }
    return out;
  };
  return copy(schema) as T;
}
export const Id = Type.Integer({ minimum: 1 });
export const IdParams = Type.Object({ id: Id });
/** UTC milliseconds. */
export const Ms = Type.Integer();
/** A Europe/Paris calendar date, 'YYYY-MM-DD'. */
export const LocalDateText = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
/** A Europe/Paris month, 'YYYY-MM'. */
export const MonthText = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' });
/** A Paris wall-clock time 'HH:MM'. */
export const TimeText = Type.String({ pattern: '^\\d{2}:\\d{2}$' });
/** Money: integer cents. */
export const Cents = Type.Integer({ minimum: 0, maximum: 1e12 });
export const Text = (max: number, min = 1) => Type.String({ minLength: min, maxLength: max });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const Lang = Type.Union([Type.Literal('fr'), Type.Literal('en')]);
export const Email = Type.String({ format: 'email', maxLength: 254 });
/** Something the dashboard passes through as it came (an inventory, an invoice's frozen document). */
export const Opaque = Type.Unknown();
export const Ok = Type.Object({ ok: Type.Boolean() });

export const InterventionKind = Type.Union([Type.Literal('programmed'), Type.Literal('urgent')]);
export const InterventionMode = Type.Union([Type.Literal('on_site'), Type.Literal('remote')]);
export const Severity = Type.Union([Type.Literal('warning'), Type.Literal('critical')]);
export const CheckStatus = Type.String({ description: 'ok, unknown, warning or critical' });

/**
 * Every error leaves the collector as `{error: {code, message, details?}}`: `code` from the one
 * catalogue (shared/src/errors.ts), `message` in English for API users, and `details` what a reader's
 * sentence is made from — `reason` (shared/src/error-reasons.ts) and its values, or, for a body that
 * does not match its schema, the `field` (a JSON pointer) and the `rule` it broke.
 */
export const ErrorDetails = Type.Object(
  {
    reason: Type.Optional(Type.String()),
    field: Type.Optional(Type.String()),
    rule: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Union([Type.Number(), Type.String()])),
    in: Type.Optional(Type.String({ description: 'body, querystring, params' })),
  },
  { additionalProperties: true },
);
export const ApiErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});
