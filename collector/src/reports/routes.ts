import { Type } from '@sinclair/typebox';
import { monthPeriod, parisDate, refusal, VigieError } from '@vigie/shared';
import {
  ArchivedReport,
  GenerateReportBody,
  IdParams,
  JobList,
  JobQuery,
  ReportJob,
  ReportList,
  ReportQuery,
  ReportSettings,
  ReportSettingsBody,
  ResendReportBody,
  Statistics,
  StatisticsQuery,
} from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import { actorOf, assertClientVisible, clientScope, isStaff, requireRole, requireUser } from '../auth/guard.js';
import type { SessionUser } from '../auth/repository.js';
import { deliveryView, type ReportRow, reportView } from './archive.js';
import { type JobStatus, jobView } from './jobs.js';
import type { Reports } from './module.js';
import type { ReportLang } from './report-data.js';
import { reportFilename } from './report-mail.js';

const Lang = Type.Union([Type.Literal('fr'), Type.Literal('en')]);
const tags = ['reports'];

const currentYear = () => Number(parisDate(Date.now()).slice(0, 4));

export function registerReportRoutes(app: FastifyInstance, reports: Reports): void {
  const { archive, jobs, runner, statistics, db } = reports;
  const staff = (req: FastifyRequest) => requireRole(req, 'admin', 'technician');

  /** A report the user may read: its client's, and for a client user from the current or previous year only (contract 3). */
  const visibleReport = async (user: SessionUser, id: number): Promise<ReportRow> => {
    const r = await archive.get(id);
    if (!r) throw new VigieError('NOT_FOUND');
    assertClientVisible(user, r.client_id);
    if (!isStaff(user) && Number(r.month.slice(0, 4)) < currentYear() - 1) throw new VigieError('NOT_FOUND');
    return r;
  };
  /** With their deliveries; why one failed (the relay's words) is for staff, not for the client's users. */
  const withDeliveries = async (rows: ReportRow[], user: SessionUser) => {
    const deliveries = await archive.deliveries(rows.map((r) => r.id));
    return rows.map((r) => ({
      ...reportView(r),
      deliveries: deliveries
        .filter((d) => d.report_id === r.id)
        .map(deliveryView)
        .map((d) => (isStaff(user) ? d : { ...d, error: null })),
    }));
  };

  app.get(
    '/api/v1/reports',
    {
      schema: {
        tags,
        description: 'Monthly activity reports of the current and previous year (any year for staff), newest first.',
        querystring: ReportQuery,
        response: { 200: ReportList },
      },
    },
    async (req: FastifyRequest<{ Querystring: { clientId?: number; year?: number } }>) => {
      const user = requireUser(req);
      if (req.query.clientId !== undefined) assertClientVisible(user, req.query.clientId);
      const clientId = clientScope(user) ?? req.query.clientId;
      const now = currentYear();
      const years = req.query.year !== undefined ? [req.query.year] : [now, now - 1];
      if (!isStaff(user) && years.some((y) => y < now - 1 || y > now))
        throw new VigieError('VALIDATION', 'Reports are kept online for the current and the previous year');
      return { reports: await withDeliveries(await archive.list({ clientId, years }), user) };
    },
  );

  app.get(
    '/api/v1/reports/jobs',
    {
      schema: {
        tags,
        description: 'Report jobs and their state (running, retrying with the next attempt, succeeded, failed), newest first.',
        querystring: JobQuery,
        response: { 200: JobList },
      },
    },
    async (req: FastifyRequest<{ Querystring: { status?: JobStatus; limit: number } }>) => {
      const user = requireUser(req);
      // A client user sees only the jobs about its own company (not the all-clients monthly run).
      const clientId = clientScope(user);
      return { jobs: (await jobs.list({ clientId, status: req.query.status, limit: req.query.limit })).map(jobView) };
    },
  );

  app.get(
    '/api/v1/reports/jobs/:id',
    { schema: { tags, params: IdParams, response: { 200: ReportJob } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireUser(req);
      const j = await jobs.get(req.params.id);
      if (!j || (!isStaff(user) && j.client_id !== user.clientId)) throw new VigieError('NOT_FOUND');
      return jobView(j);
    },
  );

  app.post(
    '/api/v1/reports/generate',
    {
      schema: {
        tags,
        description: "Generates (again) a month's report for one client or all, in the background; with send, mails each one. Staff only.",
        body: GenerateReportBody,
        response: { 202: ReportJob },
      },
    },
    async (req: FastifyRequest<{ Body: { month: string; clientId?: number; send: boolean; lang?: ReportLang } }>, reply) => {
      const user = staff(req);
      const { month, clientId, send, lang } = req.body;
      if (monthPeriod(month).from > Date.now()) throw refusal('VALIDATION', 'month_not_started', `Month ${month} has not started yet`, { month }, '/month');
      if (clientId !== undefined && (await archive.clientName(clientId)) === undefined) throw new VigieError('NOT_FOUND', 'No such client');
      const id = (await jobs.create({
        kind: 'manual',
        month,
        clientId,
        send,
        regenerate: true,
        lang,
        maxAttempts: reports.settings.maxAttempts,
        requestedBy: user.id,
      }))!;
      await audit(db, actorOf(user), 'report.generate', `report-job:${id}`, { month, clientId, send, lang });
      runner.start(id);
      reply.code(202);
      return jobView((await jobs.get(id))!);
    },
  );

  app.get(
    '/api/v1/reports/:id',
    { schema: { tags, params: IdParams, response: { 200: ArchivedReport } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireUser(req);
      const r = await visibleReport(user, req.params.id);
      return (await withDeliveries([r], user))[0];
    },
  );

  app.get(
    '/api/v1/reports/:id/pdf',
    { schema: { tags, params: IdParams, querystring: Type.Object({ lang: Type.Optional(Lang) }) } },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { lang?: ReportLang } }>, reply) => {
      const r = await visibleReport(requireUser(req), req.params.id);
      const pdf = await runner.pdf(r.id, req.query.lang);
      const clientName = await archive.clientName(r.client_id);
      const name = reportFilename({ clientName: clientName ?? String(r.client_id), month: r.month }, req.query.lang ?? r.lang);
      reply.type('application/pdf').header('content-disposition', `inline; filename="${name}"`);
      return pdf;
    },
  );

  app.post(
    '/api/v1/reports/:id/resend',
    {
      schema: {
        tags,
        description: "Mails an archived report again to the client's recipients, in the background. Staff only.",
        params: IdParams,
        body: ResendReportBody,
        response: { 202: ReportJob },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { lang?: ReportLang } }>, reply) => {
      const user = staff(req);
      const r = await archive.require(req.params.id);
      const id = (await jobs.create({
        kind: 'resend',
        month: r.month,
        clientId: r.client_id,
        reportId: r.id,
        send: true,
        regenerate: false,
        lang: req.body.lang,
        maxAttempts: reports.settings.maxAttempts,
        requestedBy: user.id,
      }))!;
      await audit(db, actorOf(user), 'report.resend', `report:${r.id}`, { jobId: id });
      runner.start(id);
      reply.code(202);
      return jobView((await jobs.get(id))!);
    },
  );

  app.get(
    '/api/v1/clients/:id/report-settings',
    { schema: { tags, params: IdParams, response: { 200: ReportSettings } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      assertClientVisible(requireUser(req), req.params.id);
      if ((await archive.clientName(req.params.id)) === undefined) throw new VigieError('NOT_FOUND');
      const s = await archive.settings(req.params.id);
      return { clientId: req.params.id, ...s, lang: s.lang ?? reports.settings.defaultLang };
    },
  );

  app.put(
    '/api/v1/clients/:id/report-settings',
    {
      schema: {
        tags,
        description: "Who receives the client's monthly report and in which language; no recipients = the billing contract's. Staff only.",
        params: IdParams,
        body: ReportSettingsBody,
        response: { 200: ReportSettings },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Body: { recipients: string[]; lang: ReportLang } }>) => {
      const user = staff(req);
      await archive.putSettings(req.params.id, req.body);
      await audit(db, actorOf(user), 'report.settings', `client:${req.params.id}`, req.body);
      const s = await archive.settings(req.params.id);
      return { clientId: req.params.id, ...s, lang: s.lang ?? reports.settings.defaultLang };
    },
  );

  app.get(
    '/api/v1/clients/:id/stats',
    {
      schema: {
        tags: ['stats'],
        description: 'Monthly statistics of the service (contract 3): tickets, incidents, availability, intervention time, invoiced amounts.',
        params: IdParams,
        querystring: StatisticsQuery,
        response: { 200: Statistics },
      },
    },
    async (req: FastifyRequest<{ Params: { id: number }; Querystring: { months: number } }>) => {
      assertClientVisible(requireUser(req), req.params.id);
      return statistics.monthly(req.params.id, req.query.months);
    },
  );
}
