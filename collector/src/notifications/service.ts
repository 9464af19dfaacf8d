import { createHmac } from 'node:crypto';
import { PARIS_TIME_ZONE } from '@vigie/shared';
import { createTransport, type Transporter } from 'nodemailer';
import { MESSAGES } from '../reports/report-messages.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { TicketChange, TicketService } from '../tickets/service.js';

export interface NotificationOptions {
  /** SMTP relay for outgoing mail, e.g. smtp://relay.provider.fr:587; none = no e-mail. */
  smtpUrl?: string | undefined;
  from: string;
  /** URLs that receive a signed JSON POST for every ticket change. */
  webhooks: string[];
  webhookSecret?: string | undefined;
  /** Public URL of the dashboard, for links in mails. */
  publicUrl?: string | undefined;
}

const SUBJECT: Record<TicketChange['type'], string> = {
  created: 'Nouveau ticket',
  comment: 'Nouveau commentaire',
  status: 'Changement de statut',
  assign: 'Ticket attribué',
  time: 'Temps d’intervention enregistré',
};

/**
 * Tells people about ticket changes: an e-mail (French) to the client's users and the assignee,
 * and a signed webhook. Failures are logged and counted, never thrown back at the change.
 */
export class Notifier {
  private readonly transport: Transporter | undefined;
  readonly stats = { mails: 0, webhooks: 0, failures: 0 };
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly db: RelationalStore,
    private readonly tickets: TicketService,
    private readonly o: NotificationOptions,
    private readonly log: { warn(obj: unknown, msg: string): void },
  ) {
    this.transport = o.smtpUrl ? createTransport(o.smtpUrl) : undefined;
    // A failure to read the ticket rejects the returned promise: the ticket service logs and counts it.
    tickets.onChange('notifications', (c) => this.track(this.notify(c)));
  }

  private track(p: Promise<void>): Promise<void> {
    this.pending.add(p);
    const forget = () => this.pending.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Resolves when every notification started so far is sent (or failed: the ticket service reported it). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async notify(c: TicketChange): Promise<void> {
    const t = await this.tickets.get(c.ticketId);
    if (!t) return;
    // The client's users hear of a ticket once it is shared with them (a monitoring ticket is internal until published).
    const recipients = (
      await this.db.kysely
        .selectFrom('users')
        .select('email')
        .where('disabled_at', 'is', null)
        .where((eb) =>
          eb.or([...(t.clientVisible ? [eb.and([eb('role', '=', 'client'), eb('client_id', '=', t.clientId)])] : []), eb('id', '=', t.assigneeId ?? -1)]),
        )
        .orderBy('id')
        .execute()
    ).map((r) => r.email);
    const last = t.timeline.at(-1) as Record<string, unknown> | undefined;
    // Statuses by their French name (the reports' words), never the identifier (issue 18): « Statut : Nouveau ».
    const status = (s: string) => MESSAGES.fr.status[s] ?? s;
    const detail = c.type === 'comment' ? String(last?.text ?? '') : c.type === 'status' ? `Statut\u00a0: ${status(String(last?.to ?? t.status))}` : '';
    const jobs: Promise<unknown>[] = [];
    if (this.transport && recipients.length > 0) {
      jobs.push(
        this.transport
          .sendMail({
            from: this.o.from,
            to: recipients,
            subject: `[#${t.id}] ${SUBJECT[c.type]} — ${t.title}`,
            text: `${SUBJECT[c.type]} sur le ticket #${t.id} «\u00a0${t.title}\u00a0».\n${detail}\n\nStatut\u00a0: ${status(t.status)}${t.slaDeadlineAt ? `\nÉchéance\u00a0: ${new Date(t.slaDeadlineAt).toLocaleString('fr-FR', { timeZone: PARIS_TIME_ZONE })}` : ''}${this.o.publicUrl ? `\n\n${this.o.publicUrl}/#/tickets/${t.id}` : ''}\n\nRépondez à ce message en gardant [#${t.id}] dans l’objet pour ajouter un commentaire.`,
          })
          .then(() => void this.stats.mails++),
      );
    }
    for (const url of this.o.webhooks) {
      const body = JSON.stringify({
        event: `ticket.${c.type}`,
        ticket: {
          id: t.id,
          clientId: t.clientId,
          title: t.title,
          status: t.status,
          priority: t.priority,
          slaDeadlineAt: t.slaDeadlineAt,
          clientVisible: t.clientVisible,
        },
        at: Date.now(),
      });
      const signature = this.o.webhookSecret ? createHmac('sha256', this.o.webhookSecret).update(body).digest('hex') : undefined;
      jobs.push(
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(signature ? { 'x-vigie-signature': `sha256=${signature}` } : {}) },
          body,
          signal: AbortSignal.timeout(10_000),
        }).then((r) => {
          if (!r.ok) throw new Error(`webhook ${url}: HTTP ${r.status}`);
          this.stats.webhooks++;
        }),
      );
    }
    for (const r of await Promise.allSettled(jobs)) {
      if (r.status === 'rejected') {
        this.stats.failures++;
        this.log.warn({ err: String(r.reason), ticketId: t.id }, 'notification failed');
      }
    }
  }
}
