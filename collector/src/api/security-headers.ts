import type { FastifyInstance } from 'fastify';

/**
 * Every answer's security headers: no sniffing, no referrer, no framing, a strict content security
 * policy, and HSTS when browsers reached the collector over HTTPS (directly or through the TLS proxy).
 */
export function registerSecurityHeaders(app: FastifyInstance, https: boolean): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    // Browsers that reached us over HTTPS never fall back to HTTP.
    if (https) reply.header('strict-transport-security', 'max-age=31536000');
    reply.header(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    return payload;
  });
}
