import { createHash } from 'node:crypto';
import { localDate, monthOf, shiftMonth, VigieError } from '@vigie/shared';
import { sql } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';
import type { MonthlyReport, ReportLang } from './report-data.js';

export interface ReportRow {
  id: number;
  client_id: number;
  month: string;
  lang: ReportLang;
  sha256: string;
  pages: number;
  partial: number;
  revision: number;
  generated_at: number;
  generated_by: string;
  generation_ms: number;
  size: number;
}

export interface DeliveryRow {
  id: number;
  report_id: number;
  claim: string;
  kind: 'scheduled' | 'resend';
  status: 'sending' | 'sent' | 'failed' | 'skipped';
  worker: string;
  lease_until: number;
  attempts: number;
  recipients: string;
  revision: number | null;
  message_id: string | null;
  error: string | null;
  job_id: number | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

/** A report's metadata and the size of its PDF: what lists and views show (never the PDF nor the data). */
const META = ['id', 'client_id', 'month', 'lang', 'sha256', 'pages', 'partial', 'revision', 'generated_at', 'generated_by', 'generation_ms'] as const;
const SIZE = sql<number>`length(pdf)`.as('size');

export function reportView(r: ReportRow) {
  return {
    id: r.id,
    clientId: r.client_id,
    month: r.month,
    lang: r.lang,
    pages: r.pages,
    size: r.size,
    sha256: r.sha256,
    partial: r.partial === 1,
    revision: r.revision,
    generatedAt: r.generated_at,
    generatedBy: r.generated_by,
    generationMs: r.generation_ms,
  };
}

export function deliveryView(d: DeliveryRow) {
  return {
    id: d.id,
    kind: d.kind,
    status: d.status,
    attempts: d.attempts,
    recipients: JSON.parse(d.recipients) as string[],
    revision: d.revision,
    messageId: d.message_id,
    error: d.error,
    jobId: d.job_id,
    createdAt: d.created_at,
    sentAt: d.sent_at,
  };
}

/** The archive of monthly reports: one per client and month, regenerated in place (its revision counts). */
export class ReportArchive {
  constructor(private readonly db: RelationalStore) {}

  /**
   * Archives a client's month. One statement: the unique (client_id, month) makes it an upsert on
   * both engines, so two collectors saving the same month at once leave one report (revision 2).
   */
  async save(input: { report: MonthlyReport; lang: ReportLang; pdf: Buffer; pages: number; generationMs: number; by: string }): Promise<ReportRow> {
    const { report: r } = input;
    const sha = createHash('sha256').update(input.pdf).digest('hex');
    return await this.db.kysely
      .insertInto('reports')
      .values({
        client_id: r.clientId,
        month: r.month,
        lang: input.lang,
        data: JSON.stringify(r),
        pdf: input.pdf,
        sha256: sha,
        pages: input.pages,
        partial: r.partial ? 1 : 0,
        generated_at: r.generatedAt,
        generated_by: input.by,
        generation_ms: input.generationMs,
      })
      .onConflict((oc) =>
        oc.columns(['client_id', 'month']).doUpdateSet((eb) => ({
          lang: eb.ref('excluded.lang'),
          data: eb.ref('excluded.data'),
          pdf: eb.ref('excluded.pdf'),
          sha256: eb.ref('excluded.sha256'),
          pages: eb.ref('excluded.pages'),
          partial: eb.ref('excluded.partial'),
          generated_at: eb.ref('excluded.generated_at'),
          generated_by: eb.ref('excluded.generated_by'),
          generation_ms: eb.ref('excluded.generation_ms'),
          revision: sql<number>`reports.revision + 1`,
        })),
      )
      .returning([...META, SIZE])
      .executeTakeFirstOrThrow();
  }

  find(clientId: number, month: string): Promise<ReportRow | undefined> {
    return this.db.kysely
      .selectFrom('reports')
      .select([...META, SIZE])
      .where('client_id', '=', clientId)
      .where('month', '=', month)
      .executeTakeFirst();
  }

  get(id: number): Promise<ReportRow | undefined> {
    return this.db.kysely
      .selectFrom('reports')
      .select([...META, SIZE])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async require(id: number): Promise<ReportRow> {
    const r = await this.get(id);
    if (!r) throw new VigieError('NOT_FOUND');
    return r;
  }

  pdf(id: number): Promise<{ pdf: Buffer; lang: ReportLang } | undefined> {
    return this.db.kysely.selectFrom('reports').select(['pdf', 'lang']).where('id', '=', id).executeTakeFirst();
  }

  async data(id: number): Promise<MonthlyReport | undefined> {
    const r = await this.db.kysely.selectFrom('reports').select('data').where('id', '=', id).executeTakeFirst();
    return r ? (JSON.parse(r.data) as MonthlyReport) : undefined;
  }

  /** Reports of the given years ('YYYY'), newest month first; all clients when clientId is undefined. */
  async list(f: { clientId?: number | undefined; years: number[] }): Promise<ReportRow[]> {
    if (f.years.length === 0) return [];
    // A month is 'YYYY-MM': a year is the range of its twelve months (no substr, the index on month serves).
    let q = this.db.kysely
      .selectFrom('reports')
      .select([...META, SIZE])
      .where((eb) =>
        eb.or(
          f.years.map((y) => {
            const december = monthOf(localDate(y, 12, 1));
            return eb.and([eb('month', '>=', shiftMonth(december, -11)), eb('month', '<=', december)]);
          }),
        ),
      );
    if (f.clientId !== undefined) q = q.where('client_id', '=', f.clientId);
    return await q.orderBy('month', 'desc').orderBy('client_id').execute();
  }

  async deliveries(reportIds: readonly number[]): Promise<DeliveryRow[]> {
    if (reportIds.length === 0) return [];
    return await this.db.kysely.selectFrom('report_deliveries').selectAll().where('report_id', 'in', reportIds).orderBy('id').execute();
  }

  /** A client's name, for a report's file name; undefined when there is no such client. */
  async clientName(clientId: number): Promise<string | undefined> {
    return (await this.db.kysely.selectFrom('clients').select('name').where('id', '=', clientId).executeTakeFirst())?.name;
  }

  /** Per-client report settings; recipients fall back to the billing contract's. */
  async settings(clientId: number): Promise<{ recipients: string[]; ownRecipients: boolean; lang: ReportLang | null }> {
    const s = await this.db.kysely.selectFrom('report_settings').select(['recipients', 'lang']).where('client_id', '=', clientId).executeTakeFirst();
    const own = s ? (JSON.parse(s.recipients) as string[]) : [];
    if (own.length > 0) return { recipients: own, ownRecipients: true, lang: s?.lang ?? null };
    const c = await this.db.kysely.selectFrom('billing_contracts').select('recipients').where('client_id', '=', clientId).executeTakeFirst();
    return { recipients: c ? (JSON.parse(c.recipients) as string[]) : [], ownRecipients: false, lang: s?.lang ?? null };
  }

  async putSettings(clientId: number, input: { recipients: string[]; lang: ReportLang }, now = Date.now()): Promise<void> {
    const recipients = JSON.stringify([...new Set(input.recipients)]);
    await this.db.kysely.transaction().execute(async (tx) => {
      if (!(await tx.selectFrom('clients').select('id').where('id', '=', clientId).executeTakeFirst())) throw new VigieError('NOT_FOUND', 'No such client');
      await tx
        .insertInto('report_settings')
        .values({ client_id: clientId, recipients, lang: input.lang, updated_at: now })
        .onConflict((oc) =>
          oc
            .column('client_id')
            .doUpdateSet((eb) => ({ recipients: eb.ref('excluded.recipients'), lang: eb.ref('excluded.lang'), updated_at: eb.ref('excluded.updated_at') })),
        )
        .execute();
    });
  }
}
