/**
 * Sending a report — or an invoice — by e-mail, at most once per claim across every collector on the database.
 * The claim row is taken by conditional statements (insert on the unique claim, or take over a failed
 * one by a guarded UPDATE … RETURNING): whoever's statement matched is the only sender, on SQLite and
 * on PostgreSQL alike. A row left
 * "sending" by a collector that died is taken over once its lease has expired — the one case where
 * a mail the dead collector had handed to the relay just before dying could go out twice.
 */

import type { Insertable } from 'kysely';
import { createTransport, type Transporter } from 'nodemailer';
import type { RelationalStore } from '../store/relational-store.js';
import type { ReportDeliveriesTable } from '../store/schema-reports.js';
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
    private readonly db: RelationalStore,
    private readonly worker: string,
    private readonly leaseMs: number,
    private readonly ledger: ClaimLedger = REPORT_DELIVERIES,
  ) {}

  /**
   * Both ledgers share every column these statements touch but the subject's: they are written as
   * report_deliveries' (the table name itself is the ledger's, at run time).
   */
  private get table(): 'report_deliveries' {
    return this.ledger.table as 'report_deliveries';
  }

  /**
   * Takes the claim: inserts its row, or takes over a failed, skipped or abandoned one. Each step is
   * one conditional statement, so that of several collectors racing (on either engine) exactly one
   * gets `claimed: true`; the others are told it was sent or is being sent.
   */
  async claim(input: { subjectId: number; claim: string; kind: 'scheduled' | 'resend'; jobId: number | null }, now = Date.now()): Promise<ClaimResult<Row>> {
    const db = this.db.kysely;
    // A takeover can lose to another collector's between our statements: then the row says why (a few rounds at most).
    for (let round = 0; round < 3; round++) {
      const inserted = await db
        .insertInto(this.table)
        .values({
          [this.ledger.subject]: input.subjectId,
          claim: input.claim,
          kind: input.kind,
          status: 'sending',
          worker: this.worker,
          lease_until: now + this.leaseMs,
          attempts: 1,
          job_id: input.jobId,
          created_at: now,
          updated_at: now,
        } as Insertable<ReportDeliveriesTable>)
        .onConflict((oc) => oc.column('claim').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) return { claimed: true, id: inserted.id, attempts: 1 };
      // Failed, skipped (nothing went out), or abandoned by a stopped collector: ours now.
      const taken = await db
        .updateTable(this.table)
        .set((eb) => ({
          status: 'sending',
          worker: this.worker,
          lease_until: now + this.leaseMs,
          attempts: eb('attempts', '+', 1),
          job_id: input.jobId,
          error: null,
          updated_at: now,
        }))
        .where('claim', '=', input.claim)
        .where((eb) => eb.or([eb('status', 'in', ['failed', 'skipped']), eb.and([eb('status', '=', 'sending'), eb('lease_until', '<=', now)])]))
        .returning(['id', 'attempts'])
        .executeTakeFirst();
      if (taken) return { claimed: true, id: taken.id, attempts: taken.attempts };
      const row = (await db.selectFrom(this.table).selectAll().where('claim', '=', input.claim).executeTakeFirst()) as Row | undefined;
      if (row?.status === 'sent') return { claimed: false, reason: 'sent', row };
      if (row?.status === 'sending' && row.lease_until > now) return { claimed: false, reason: 'busy', row };
    }
    throw new Error(`delivery claim ${input.claim}: still contended after 3 rounds`);
  }

  async finish(
    id: number,
    outcome: { status: 'sent' | 'failed' | 'skipped'; recipients: string[]; revision: number; messageId?: string; error?: string },
    now = Date.now(),
  ): Promise<void> {
    await this.db.kysely
      .updateTable(this.table)
      .set((eb) => ({
        status: outcome.status,
        recipients: JSON.stringify(outcome.recipients),
        revision: outcome.revision,
        message_id: outcome.messageId ?? null,
        error: outcome.error ?? null,
        updated_at: now,
        sent_at: outcome.status === 'sent' ? now : eb.ref('sent_at'),
      }))
      .where('id', '=', id)
      .execute();
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
