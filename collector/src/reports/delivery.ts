/**
 * Sending a report — or an invoice — by e-mail, at most once per claim across every collector on the database file.
 * The claim row is taken in a write transaction (BEGIN IMMEDIATE: one writer at a time, whatever
 * the process); whoever inserts it, or takes over a failed one, is the only sender. A row left
 * "sending" by a collector that died is taken over once its lease has expired — the one case where
 * a mail the dead collector had handed to the relay just before dying could go out twice.
 */
import { createTransport, type Transporter } from 'nodemailer';
import type { Database } from '../store/database.js';
import type { DeliveryRow } from './archive.js';

/** What a claim row holds whatever it delivers (report_deliveries, invoice_deliveries). */
export type ClaimRow = Pick<DeliveryRow, 'id' | 'claim' | 'kind' | 'status' | 'lease_until' | 'attempts' | 'recipients' | 'error' | 'sent_at'>;

export type ClaimResult<Row extends ClaimRow = DeliveryRow> =
  | { claimed: true; id: number; attempts: number }
  | { claimed: false; reason: 'sent' | 'busy'; row: Row };

/** The table of claim rows and the column naming what each one delivers. */
export interface ClaimLedger {
  table: 'report_deliveries' | 'invoice_deliveries';
  subject: 'report_id' | 'invoice_id';
}

export const REPORT_DELIVERIES: ClaimLedger = { table: 'report_deliveries', subject: 'report_id' };

export class DeliveryClaims<Row extends ClaimRow = DeliveryRow> {
  constructor(
    private readonly db: Database,
    private readonly worker: string,
    private readonly leaseMs: number,
    private readonly ledger: ClaimLedger = REPORT_DELIVERIES,
  ) {}

  claim(input: { subjectId: number; claim: string; kind: 'scheduled' | 'resend'; jobId: number | null }, now = Date.now()): Promise<ClaimResult<Row>> {
    const { table, subject } = this.ledger;
    return this.db.writeTransaction((): ClaimResult<Row> => {
      const sql = this.db.sqlite;
      const row = sql.prepare(`SELECT * FROM ${table} WHERE claim = ?`).get(input.claim) as Row | undefined;
      if (!row) {
        const r = sql
          .prepare(
            `INSERT INTO ${table} (${subject}, claim, kind, status, worker, lease_until, attempts, job_id, created_at, updated_at)
             VALUES (?, ?, ?, 'sending', ?, ?, 1, ?, ?, ?)`,
          )
          .run(input.subjectId, input.claim, input.kind, this.worker, now + this.leaseMs, input.jobId, now, now);
        return { claimed: true, id: Number(r.lastInsertRowid), attempts: 1 };
      }
      if (row.status === 'sent') return { claimed: false, reason: 'sent', row };
      if (row.status === 'sending' && row.lease_until > now) return { claimed: false, reason: 'busy', row };
      // Failed, skipped (nothing went out), or abandoned by a stopped collector: ours now.
      sql
        .prepare(
          `UPDATE ${table} SET status = 'sending', worker = ?, lease_until = ?, attempts = attempts + 1, job_id = ?, error = NULL, updated_at = ? WHERE id = ?`,
        )
        .run(this.worker, now + this.leaseMs, input.jobId, now, row.id);
      return { claimed: true, id: row.id, attempts: row.attempts + 1 };
    });
  }

  finish(
    id: number,
    outcome: { status: 'sent' | 'failed' | 'skipped'; recipients: string[]; revision: number; messageId?: string; error?: string },
    now = Date.now(),
  ): Promise<void> {
    return this.db.writeTransaction(() => {
      this.db.sqlite
        .prepare(
          `UPDATE ${this.ledger.table} SET status = ?, recipients = ?, revision = ?, message_id = ?, error = ?, updated_at = ?,
             sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?`,
        )
        .run(
          outcome.status,
          JSON.stringify(outcome.recipients),
          outcome.revision,
          outcome.messageId ?? null,
          outcome.error ?? null,
          now,
          outcome.status,
          now,
          id,
        );
    });
  }
}

export interface ReportMail {
  to: string[];
  subject: string;
  text: string;
  filename: string;
  pdf: Buffer;
}

/** Where report mails go: an SMTP relay, or nowhere (no relay configured). */
export interface ReportTransport {
  readonly configured: boolean;
  send(mail: ReportMail): Promise<{ messageId: string }>;
  close(): void;
}

/** The notifications' SMTP relay and sender (CollectorConfig.notifications), with bounded timeouts. */
export function smtpTransport(o: { smtpUrl?: string | undefined; from: string }): ReportTransport {
  if (!o.smtpUrl) {
    return {
      configured: false,
      send: async () => {
        throw new Error('no SMTP relay configured (--smtp-relay)');
      },
      close: () => {},
    };
  }
  const t: Transporter = createTransport({ url: o.smtpUrl, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 });
  return {
    configured: true,
    async send(mail) {
      const info = await t.sendMail({
        from: o.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        attachments: [{ filename: mail.filename, content: mail.pdf, contentType: 'application/pdf' }],
      });
      return { messageId: String(info.messageId ?? '') };
    },
    close: () => t.close(),
  };
}
