import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import type { SessionUser } from '../auth/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { TicketService } from '../tickets/service.js';

export interface InboundMailOptions {
  host: string;
  port: number;
  /** The address clients write to, e.g. support@provider.fr. */
  supportAddress: string;
  maxMessageBytes: number;
}

type Sender = { user: SessionUser; via: 'email' };

/** `[#123]`, `#123` or `Ticket 123` in a subject names an existing ticket. */
export function ticketNumberIn(subject: string): number | undefined {
  const m = /(?:\[#(\d{1,9})\]|#(\d{1,9})\b|\bticket\s+n?°?\s*(\d{1,9})\b)/i.exec(subject);
  const n = m ? Number(m[1] ?? m[2] ?? m[3]) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The support mailbox: an SMTP listener that turns a mail from a known client address into a ticket
 * (channel e-mail, 24/7) or into a comment on the ticket its subject names. Unknown senders, other
 * recipients, oversized mails and tickets of another client are refused at the SMTP level.
 */
export class InboundMail {
  private readonly server: SMTPServer;
  readonly stats = { accepted: 0, refused: 0 };

  constructor(
    private readonly db: RelationalStore,
    private readonly tickets: TicketService,
    private readonly o: InboundMailOptions,
  ) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: o.maxMessageBytes,
      banner: 'Vigie support mailbox',
      logger: false,
      onMailFrom: (address, session, cb) => {
        this.senderOf(address.address).then(
          (sender) => {
            if (!sender) {
              this.stats.refused++;
              return cb(Object.assign(new Error('5.7.1 This address is not known to the support desk'), { responseCode: 550 }));
            }
            (session as SMTPServerSession & { vigie?: Sender }).vigie = sender;
            cb();
          },
          // The store could not be read: a temporary failure, the sending server tries again later.
          (err: Error) => {
            this.stats.refused++;
            cb(Object.assign(new Error(`4.3.0 The support desk cannot check the sender now: ${err.message}`), { responseCode: 451 }));
          },
        );
      },
      onRcptTo: (address: SMTPServerAddress, _session, cb) => {
        if (address.address.toLowerCase() !== o.supportAddress.toLowerCase()) {
          this.stats.refused++;
          return cb(Object.assign(new Error(`5.1.1 Write to ${o.supportAddress}`), { responseCode: 550 }));
        }
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            this.stats.refused++;
            return cb(Object.assign(new Error(`5.3.4 Message larger than ${o.maxMessageBytes} bytes`), { responseCode: 552 }));
          }
          const sender = (session as SMTPServerSession & { vigie?: Sender }).vigie!;
          this.accept(Buffer.concat(chunks), sender).then(
            (msg) => {
              this.stats.accepted++;
              cb(null, msg);
            },
            (err: Error & { responseCode?: number }) => {
              this.stats.refused++;
              cb(Object.assign(new Error(err.message), { responseCode: err.responseCode ?? 451 }));
            },
          );
        });
      },
    });
  }

  /** A client user by the address (stored lower-case, as sign-in finds them). */
  private async senderOf(address: string): Promise<Sender | undefined> {
    const row = await this.db.kysely
      .selectFrom('users')
      .select(['id', 'email', 'name', 'role', 'client_id', 'locale'])
      .where('email', '=', address.toLowerCase())
      .where('role', '=', 'client')
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return row && row.client_id !== null
      ? { user: { id: row.id, email: row.email, name: row.name, role: 'client', clientId: row.client_id, locale: row.locale }, via: 'email' }
      : undefined;
  }

  private async accept(raw: Buffer, sender: Sender): Promise<string> {
    const mail = await simpleParser(raw);
    const subject = (mail.subject ?? '').trim().slice(0, 300) || '(sans objet)';
    // HTML is never kept as HTML: the text version (mailparser derives one from HTML) is the body.
    const attachments = mail.attachments.map((a) => `- ${a.filename ?? 'pièce jointe'} (${a.size} octets)`).join('\n');
    const text = `${(mail.text ?? '').trim()}${attachments ? `\n\nPièces jointes reçues (non conservées) :\n${attachments}` : ''}`.slice(0, 50_000);
    const number = ticketNumberIn(subject);
    if (number !== undefined) {
      const clientId = await this.tickets.clientOf(number);
      if (clientId !== sender.user.clientId) throw Object.assign(new Error(`5.7.1 Ticket #${number} is not one of yours`), { responseCode: 550 });
      await this.tickets.addEvent(number, { type: 'comment', text: text || '(message vide)' }, sender);
      return `Ajouté au ticket #${number}`;
    }
    const id = await this.tickets.create({ title: subject, description: text, channel: 'email' }, sender);
    return `Ticket #${id} créé`;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => {
        const addr = this.server.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : this.o.port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
