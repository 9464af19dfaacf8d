import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';

/**
 * What the serializer sends of `value` for `schema`: what the schema declares, and nothing else. A
 * union is serialised as its first variant the value itself matches (undeclared fields included: a
 * strict object in a union refuses them, and so does the serializer).
 */
export function asSent(schema: TSchema, value: unknown): unknown {
  if (Array.isArray(schema.anyOf)) {
    const v = (schema.anyOf as TSchema[]).find((x) => Value.Check(x, value));
    return v ? asSent(v, value) : value;
  }
  if (Array.isArray(value)) return schema.items ? value.map((x) => asSent(schema.items as TSchema, x)) : value;
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  if (schema.properties) {
    const props = schema.properties as Record<string, TSchema>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) out[k] = asSent(props[k]!, v);
      else if (schema.additionalProperties === true) out[k] = v;
    }
    return out;
  }
  if (schema.patternProperties) {
    const inner = Object.values(schema.patternProperties as Record<string, TSchema>)[0];
    return inner ? Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, asSent(inner, v)])) : value;
  }
  return value;
}

/**
 * Tests run with VIGIE_CHECK_RESPONSES=1: every JSON answer is checked against its route's response
 * schema before it is serialised. Fastify's serializer drops what a schema does not declare (as it
 * should: nothing undeclared leaves) but also turns a null into "" or 0 where it expects a string or
 * a number, and fails on a missing field: a route whose answer drifted from its schema fails loudly
 * here instead of sending the dashboard something else.
 */
export function registerResponseCheck(app: FastifyInstance): void {
  app.addHook('preSerialization', async (req, reply, payload) => {
    const schemas = (reply.routeOptions.schema as { response?: Record<string, TSchema> } | undefined)?.response;
    const schema = schemas?.[String(reply.statusCode)] ?? schemas?.[`${String(reply.statusCode)[0]}xx`];
    if (!schema || reply.statusCode >= 400) return payload;
    const first = [...Value.Errors(schema, asSent(schema, JSON.parse(JSON.stringify(payload))))][0];
    if (first) {
      const msg = `response of ${req.method} ${req.routeOptions.url} does not match its schema at ${first.path || '/'}: ${first.message} (got ${JSON.stringify(first.value)?.slice(0, 200)})`;
      req.log.error(msg);
      if (process.env.VIGIE_DEBUG_RESPONSES) console.error(msg);
      throw new Error(msg);
    }
    return payload;
  });
}
