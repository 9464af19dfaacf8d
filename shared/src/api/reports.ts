import { type Static, Type } from '@sinclair/typebox';
import { Id, Lang, MonthText, Ms, Nullable, strict } from './common.js';

export const ReportDelivery = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  status: Type.Union([Type.Literal('sending'), Type.Literal('sent'), Type.Literal('failed'), Type.Literal('skipped')]),
  attempts: Type.Integer(),
  recipients: Type.Array(Type.String()),
  revision: Nullable(Type.Integer()),
  messageId: Nullable(Type.String()),
  /** Why it failed or was skipped, as the collector or the relay said it: for staff only. */
  error: Nullable(Type.String()),
  jobId: Nullable(Type.Integer()),
  createdAt: Ms,
  sentAt: Nullable(Ms),
});
export type ReportDelivery = Static<typeof ReportDelivery>;

export const ArchivedReport = Type.Object({
  id: Type.Integer(),
  clientId: Type.Integer(),
  month: MonthText,
  lang: Lang,
  pages: Type.Integer(),
  size: Type.Integer(),
  sha256: Type.String(),
  partial: Type.Boolean(),
  revision: Type.Integer(),
  generatedAt: Ms,
  generatedBy: Type.String(),
  generationMs: Type.Integer(),
  deliveries: Type.Array(ReportDelivery),
});
export type ArchivedReport = Static<typeof ArchivedReport>;
export const ReportList = Type.Object({ reports: Type.Array(ArchivedReport) });
export const ReportQuery = Type.Object({ clientId: Type.Optional(Id), year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2999 })) });

export const JobStatus = Type.Union(
  ['queued', 'running', 'retrying', 'succeeded', 'failed'].map((s) => Type.Literal(s as 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed')),
);
export type JobStatus = Static<typeof JobStatus>;
export const JobClientResult = Type.Object({
  clientId: Type.Integer(),
  clientName: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('done'), Type.Literal('failed')]),
  reportId: Type.Optional(Type.Integer()),
  generated: Type.Optional(Type.Boolean()),
  pages: Type.Optional(Type.Integer()),
  generationMs: Type.Optional(Type.Integer()),
  delivery: Type.Optional(Type.String()),
  recipients: Type.Optional(Type.Array(Type.String())),
  error: Type.Optional(Type.String()),
});
export const ReportJob = Type.Object({
  id: Type.Integer(),
  kind: Type.Union([Type.Literal('scheduled'), Type.Literal('manual'), Type.Literal('cli'), Type.Literal('resend')]),
  month: MonthText,
  clientId: Nullable(Type.Integer()),
  reportId: Nullable(Type.Integer()),
  send: Type.Boolean(),
  regenerate: Type.Boolean(),
  lang: Nullable(Lang),
  status: JobStatus,
  attempt: Type.Integer(),
  maxAttempts: Type.Integer(),
  nextAttemptAt: Nullable(Ms),
  worker: Nullable(Type.String()),
  total: Type.Integer(),
  done: Type.Integer(),
  failed: Type.Integer(),
  results: Type.Array(JobClientResult),
  error: Nullable(Type.String()),
  createdAt: Ms,
  startedAt: Nullable(Ms),
  updatedAt: Ms,
  finishedAt: Nullable(Ms),
});
export type ReportJob = Static<typeof ReportJob>;
export const JobList = Type.Object({ jobs: Type.Array(ReportJob) });
export const JobQuery = Type.Object({
  status: Type.Optional(JobStatus),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
});
export const GenerateReportBody = Type.Object(
  { month: MonthText, clientId: Type.Optional(Id), send: Type.Boolean({ default: false }), lang: Type.Optional(Lang) },
  strict,
);
export const ResendReportBody = Type.Object({ lang: Type.Optional(Lang) }, strict);

export const ReportSettingsBody = Type.Object(
  { recipients: Type.Array(Type.String({ format: 'email', maxLength: 200 }), { maxItems: 20 }), lang: Lang },
  strict,
);
export const ReportSettings = Type.Object({
  clientId: Type.Integer(),
  recipients: Type.Array(Type.String()),
  /** Recipients set for the report itself (else the billing contract's). */
  ownRecipients: Type.Boolean(),
  lang: Lang,
});
export type ReportSettings = Static<typeof ReportSettings>;

/** A technician's word for the client, printed on the summary page of that month's report. */
export const ReportCommentBody = Type.Object({ text: Type.String({ maxLength: 4000 }) }, strict);
export const ReportComment = Type.Object({
  clientId: Type.Integer(),
  month: MonthText,
  text: Type.String(),
  updatedAt: Nullable(Ms),
  authorName: Nullable(Type.String()),
});
export type ReportComment = Static<typeof ReportComment>;
export const ReportCommentParams = Type.Object({ id: Id, month: MonthText });

export const MonthStatistics = Type.Object({
  month: MonthText,
  ticketsOpened: Type.Integer(),
  ticketsResolved: Type.Integer(),
  incidents: Type.Integer(),
  incidentsCritical: Type.Integer(),
  availabilityPct: Nullable(Type.Number()),
  interventions: Type.Integer(),
  interventionMinutes: Type.Integer(),
  interventionAmountCents: Type.Integer(),
  invoicedExclCents: Type.Integer(),
  invoicedInclCents: Type.Integer(),
});
export type MonthStatistics = Static<typeof MonthStatistics>;
export const Statistics = Type.Object({ clientId: Type.Integer(), from: Ms, to: Ms, months: Type.Array(MonthStatistics) });
export const MAX_STATISTICS_MONTHS = 36;
export const StatisticsQuery = Type.Object({ months: Type.Integer({ minimum: 1, maximum: MAX_STATISTICS_MONTHS, default: 24 }) });

const Pct = Nullable(Type.Number({ minimum: 0, maximum: 100 }));
export const Availability = Type.Object({
  clientId: Type.Integer(),
  month: Type.String(),
  from: Type.Integer({ description: 'UTC ms of the month start (local midnight, Europe/Paris)' }),
  to: Type.Integer({ description: 'UTC ms of the end of the measured period: the month end, or the last whole bucket before now' }),
  resolution: Type.Union([Type.Literal('5m'), Type.Literal('1h')]),
  devices: Type.Array(
    Type.Object({
      deviceId: Type.Integer(),
      hostname: Type.String(),
      siteId: Type.Integer(),
      availabilityPct: Pct,
      expectedBuckets: Type.Integer(),
      seenBuckets: Type.Integer(),
    }),
  ),
  clientAvailabilityPct: Pct,
});

export type ReportList = Static<typeof ReportList>;
export type ReportQuery = Static<typeof ReportQuery>;
export type JobClientResult = Static<typeof JobClientResult>;
export type JobList = Static<typeof JobList>;
export type JobQuery = Static<typeof JobQuery>;
export type GenerateReportBody = Static<typeof GenerateReportBody>;
export type ResendReportBody = Static<typeof ResendReportBody>;
export type ReportSettingsBody = Static<typeof ReportSettingsBody>;
export type ReportCommentBody = Static<typeof ReportCommentBody>;
export type ReportCommentParams = Static<typeof ReportCommentParams>;
export type Statistics = Static<typeof Statistics>;
export type StatisticsQuery = Static<typeof StatisticsQuery>;
export type Availability = Static<typeof Availability>;
