import { ErrorCodes, VigieError } from '@vigie/shared';
import type { FastifyError, FastifyInstance } from 'fastify';

/** What ajv says about a body, as the dashboard reads it: the field (a JSON pointer), the rule it broke, the rule's limit. */
export function validationDetails(v: NonNullable<FastifyError['validation']>[number], context: string | undefined) {
  const params = (v.params ?? {}) as Record<string, unknown>;
  let field = v.instancePath ?? '';
  if (v.keyword === 'required' && typeof params.missingProperty === 'string') field = `${field}/${params.missingProperty}`;
  if (v.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') field = `${field}/${params.additionalProperty}`;
  const limit = params.limit ?? params.pattern ?? params.format ?? params.type;
  const rule = v.keyword === 'const' || v.keyword === 'anyOf' || v.keyword === 'oneOf' ? 'enum' : v.keyword;
  return { field, rule, ...(typeof limit === 'number' || typeof limit === 'string' ? { limit } : {}), ...(context ? { in: context } : {}) };
}

/**
 * Every error leaves as `{error: {code, message, details?}}` with a catalogue code; 5xx details stay in the log.
 * `storeRefused` recognises a write the store refused (disk full, damaged store): the client is
 * told why (VIGIE_E_STORE_FULL/DAMAGED) and the store's own summaries count it instead of one log
 * line per request.
 */
export function registerErrorHandling(app: FastifyInstance, storeRefused?: (err: unknown, what: string) => 'full' | 'damaged' | null): void {
  app.setErrorHandler((err: FastifyError | VigieError, req, reply) => {
    if (err instanceof VigieError) {
      if (err.status >= 500) req.log.error({ err }, 'request failed');
      return reply.code(err.status).send({ error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } });
    }
    // The database's own guards (issued invoices are immutable, invoiced items frozen).
    const guard = /^VIGIE_(IMMUTABLE|INVOICED): (.*)$/.exec(err.message ?? '');
    if (guard) return reply.code(409).send({ error: { code: ErrorCodes.CONFLICT.code, message: guard[2], details: { reason: 'invoice_immutable' } } });
    const fe = err as FastifyError;
    if (fe.validation) {
      const first = fe.validation[0];
      return reply.code(400).send({
        error: {
          code: ErrorCodes.VALIDATION.code,
          message: `${fe.validationContext ?? 'request'} ${first?.instancePath ?? ''} ${first?.message ?? ''}`.trim(),
          ...(first ? { details: validationDetails(first, fe.validationContext) } : {}),
        },
      });
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply.code(413).send({ error: { code: ErrorCodes.PAYLOAD_TOO_LARGE.code, message: ErrorCodes.PAYLOAD_TOO_LARGE.message } });
    if (fe.statusCode && fe.statusCode < 500) {
      return reply.code(fe.statusCode).send({ error: { code: ErrorCodes.VALIDATION.code, message: fe.message } });
    }
    const trouble = storeRefused?.(err, `${req.method} ${req.routeOptions.url ?? ''}`);
    if (trouble) {
      const e = ErrorCodes[trouble === 'full' ? 'STORE_FULL' : 'STORE_DAMAGED'];
      return reply.code(e.status).send({ error: { code: e.code, message: e.message } });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: ErrorCodes.INTERNAL.code, message: ErrorCodes.INTERNAL.message } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: ErrorCodes.NOT_FOUND.code, message: `No route ${req.method} ${req.url.split('?')[0]}` } }),
  );
}
