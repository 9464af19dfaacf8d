import { createHash } from 'node:crypto';
import { VigieError } from '@vigie/shared';
import type { Database } from '../store/database.js';
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

const META = 'id, client_id, month, lang, sha256, pages, partial, revision, generated_at, generated_by, generation_ms, length(pdf) AS size';

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
  constructor(private readonly db: Database) {}

  private read<T>(fn: () => T): Promise<T> {
    return this.db.writeLock(fn);
  }

  save(input: { report: MonthlyReport; lang: ReportLang; pdf: Buffer; pages: number; generationMs: number; by: string }): Promise<ReportRow> {
    const { report: r } = input;
    const sha = createHash('sha256').update(input.pdf).digest('hex');
    return this.db.writeTransaction(() => {
      this.db.sqlite
        .prepare(
          `INSERT INTO reports (client_id, month, lang, data, pdf, sha256, pages, partial, generated_at, generated_by, generation_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (client_id, month) DO UPDATE SET lang = excluded.lang, data = excluded.data, pdf = excluded.pdf, sha256 = excluded.sha256,
             pages = excluded.pages, partial = excluded.partial, generated_at = excluded.generated_at, generated_by = excluded.generated_by,
             generation_ms = excluded.generation_ms, revision = reports.revision + 1`,
        )
        .run(r.clientId, r.month, input.lang, JSON.stringify(r), input.pdf, sha, input.pages, r.partial ? 1 : 0, r.generatedAt, input.by, input.generationMs);
      return this.db.sqlite.prepare(`SELECT ${META} FROM reports WHERE client_id = ? AND month = ?`).get(r.clientId, r.month) as ReportRow;
    });
  }

  find(clientId: number, month: string): Promise<ReportRow | undefined> {
    return this.read(
      () => this.db.sqlite.prepare(`SELECT ${META} FROM reports WHERE client_id = ? AND month = ?`).get(clientId, month) as ReportRow | undefined,
    );
  }

  get(id: number): Promise<ReportRow | undefined> {
    return this.read(() => this.db.sqlite.prepare(`SELECT ${META} FROM reports WHERE id = ?`).get(id) as ReportRow | undefined);
  }

  async require(id: number): Promise<ReportRow> {
    const r = await this.get(id);
    if (!r) throw new VigieError('NOT_FOUND');
    return r;
  }

  pdf(id: number): Promise<{ pdf: Buffer; lang: ReportLang } | undefined> {
    return this.read(() => this.db.sqlite.prepare('SELECT pdf, lang FROM reports WHERE id = ?').get(id) as { pdf: Buffer; lang: ReportLang } | undefined);
  }

  data(id: number): Promise<MonthlyReport | undefined> {
    return this.read(() => {
      const r = this.db.sqlite.prepare('SELECT data FROM reports WHERE id = ?').get(id) as { data: string } | undefined;
      return r ? (JSON.parse(r.data) as MonthlyReport) : undefined;
    });
  }

  /** Reports of the given years ('YYYY'), newest month first; all clients when clientId is undefined. */
  list(f: { clientId?: number | undefined; years: number[] }): Promise<ReportRow[]> {
    return this.read(() => {
      const where = [`substr(month, 1, 4) IN (SELECT value FROM json_each(?))`];
      const args: unknown[] = [JSON.stringify(f.years.map(String))];
      if (f.clientId !== undefined) where.push('client_id = ?') && args.push(f.clientId);
      return this.db.sqlite.prepare(`SELECT ${META} FROM reports WHERE ${where.join(' AND ')} ORDER BY month DESC, client_id`).all(...args) as ReportRow[];
    });
  }

  deliveries(reportIds: readonly number[]): Promise<DeliveryRow[]> {
    return this.read(
      () =>
        this.db.sqlite
          .prepare('SELECT * FROM report_deliveries WHERE report_id IN (SELECT value FROM json_each(?)) ORDER BY id')
          .all(JSON.stringify(reportIds)) as DeliveryRow[],
    );
  }

  /** A client's name, for a report's file name; undefined when there is no such client. */
  clientName(clientId: number): Promise<string | undefined> {
    return this.read(() => (this.db.sqlite.prepare('SELECT name FROM clients WHERE id = ?').get(clientId) as { name: string } | undefined)?.name);
  }

  /** Per-client report settings; recipients fall back to the billing contract's. */
  settings(clientId: number): Promise<{ recipients: string[]; ownRecipients: boolean; lang: ReportLang | null }> {
    return this.read(() => {
      const s = this.db.sqlite.prepare('SELECT recipients, lang FROM report_settings WHERE client_id = ?').get(clientId) as
        | { recipients: string; lang: ReportLang }
        | undefined;
      const own = s ? (JSON.parse(s.recipients) as string[]) : [];
      if (own.length > 0) return { recipients: own, ownRecipients: true, lang: s?.lang ?? null };
      const c = this.db.sqlite.prepare('SELECT recipients FROM billing_contracts WHERE client_id = ?').get(clientId) as { recipients: string } | undefined;
      return { recipients: c ? (JSON.parse(c.recipients) as string[]) : [], ownRecipients: false, lang: s?.lang ?? null };
    });
  }

  putSettings(clientId: number, input: { recipients: string[]; lang: ReportLang }, now = Date.now()): Promise<void> {
    return this.db.writeTransaction(() => {
      if (!this.db.sqlite.prepare('SELECT 1 FROM clients WHERE id = ?').get(clientId)) throw new VigieError('NOT_FOUND', 'No such client');
      this.db.sqlite
        .prepare(
          `INSERT INTO report_settings (client_id, recipients, lang, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (client_id) DO UPDATE SET recipients = excluded.recipients, lang = excluded.lang, updated_at = excluded.updated_at`,
        )
        .run(clientId, JSON.stringify([...new Set(input.recipients)]), input.lang, now);
    });
  }
}
