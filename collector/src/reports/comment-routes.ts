import { VigieError } from '@vigie/shared';
import { ReportComment, ReportCommentBody, ReportCommentParams } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf, requireRole } from '../auth/guard.js';
import type { ReportArchive } from './archive.js';
import type { ReportComments } from './comments.js';

type Req = FastifyRequest<{ Params: { id: number; month: string } }>;

/**
 * The technician's comment on a client's month (issue 18, point 11): staff write it before the report
 * is generated or sent; it is printed on the report's summary page, with its author.
 */
export function registerReportCommentRoutes(app: FastifyInstance, deps: { comments: ReportComments; archive: ReportArchive }): void {
  const { comments, archive } = deps;
  const view = async (clientId: number, month: string) => {
    const c = await comments.get(clientId, month);
    return { clientId, month, text: c?.text ?? '', updatedAt: c?.updatedAt ?? null, authorName: c?.authorName ?? null };
  };
  app.get(
    '/api/v1/clients/:id/reports/:month/comment',
    { schema: { tags: ['reports'], params: ReportCommentParams, response: { 200: ReportComment } } },
    async (req: Req) => {
      requireRole(req, 'admin', 'technician');
      if ((await archive.clientName(req.params.id)) === undefined) throw new VigieError('NOT_FOUND');
      return view(req.params.id, req.params.month);
    },
  );
  app.put(
    '/api/v1/clients/:id/reports/:month/comment',
    { schema: { tags: ['reports'], params: ReportCommentParams, body: ReportCommentBody, response: { 200: ReportComment } } },
    async (req: FastifyRequest<{ Params: { id: number; month: string }; Body: { text: string } }>) => {
      const user = requireRole(req, 'admin', 'technician');
      if ((await archive.clientName(req.params.id)) === undefined) throw new VigieError('NOT_FOUND');
      await comments.put(req.params.id, req.params.month, req.body.text, { id: user.id, actor: actorOf(user) });
      return view(req.params.id, req.params.month);
    },
  );
}
