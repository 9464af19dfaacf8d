import { createHash } from 'node:crypto';
import { refusal } from '@vigie/shared';
import type { RelationalStore } from '../store/relational-store.js';

/** A ticket's attachments are kept in the store: 10 MiB each at most, and only these kinds of file. */
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
export const ATTACHMENTS_PER_TICKET = 20;

/**
 * The file's type, read from its first bytes — never from its name or the browser's word for it: a
 * picture, a PDF or plain text (what a user sends about a problem: a screenshot, a scan, a log).
 * Undefined for anything else (an executable, an archive, an office macro file).
 */
export function sniffType(data: Buffer): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => data[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (data.subarray(0, 6).toString('latin1') === 'GIF87a' || data.subarray(0, 6).toString('latin1') === 'GIF89a') return 'image/gif';
  if (data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (data.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  // Text: valid UTF-8 without control characters other than tab, line feed and carriage return.
  if (data.length > 0 && !data.includes(0)) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
    if (!text.includes('\ufffd') && !/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return 'text/plain';
  }
  return undefined;
}

/** A name safe in a Content-Disposition header and on any disk: the base name, printable, 200 characters at most. */
export function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim()
    .slice(0, 200);
  return clean || 'piece-jointe';
}

export interface AttachmentRow {
  id: number;
  name: string;
  type: string;
  size: number;
  createdAt: number;
  authorName: string | null;
}

export class TicketAttachments {
  constructor(private readonly db: RelationalStore) {}

  /** Stores a file for a ticket once its type and size are checked; returns its id. */
  async add(ticketId: number, name: string, data: Buffer, userId: number, now = Date.now()): Promise<number> {
    if (data.length > ATTACHMENT_MAX_BYTES)
      throw refusal('PAYLOAD_TOO_LARGE', 'attachment_too_large', `An attachment holds at most ${ATTACHMENT_MAX_BYTES} bytes`, {
        maxMiB: ATTACHMENT_MAX_BYTES / 1024 / 1024,
      });
    const type = sniffType(data);
    if (!type)
      throw refusal('VALIDATION', 'attachment_type', 'Only PNG, JPEG, GIF, WebP pictures, PDF and plain text files are accepted', { name: cleanName(name) });
    const sha256 = createHash('sha256').update(data).digest('hex');
    return this.db.kysely.transaction().execute(async (tx) => {
      // The ticket row locked first on PostgreSQL: two uploads at once count one after the other, so
      // the limit holds (on SQLite the transaction holds the write lock from its start).
      if (this.db.dialect === 'postgres') await tx.selectFrom('tickets').select('id').where('id', '=', ticketId).forUpdate().executeTakeFirst();
      const { n } = await tx
        .selectFrom('ticket_attachments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('ticket_id', '=', ticketId)
        .executeTakeFirstOrThrow();
      if (Number(n) >= ATTACHMENTS_PER_TICKET)
        throw refusal('CONFLICT', 'attachment_too_large', `A ticket holds at most ${ATTACHMENTS_PER_TICKET} attachments`, {
          maxMiB: ATTACHMENT_MAX_BYTES / 1024 / 1024,
        });
      const { id } = await tx
        .insertInto('ticket_attachments')
        .values({ ticket_id: ticketId, name: cleanName(name), type, size: data.length, sha256, data, created_by: userId, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('ticket_events')
        .values({
          ticket_id: ticketId,
          at: now,
          author_id: userId,
          author: `user:${userId}`,
          type: 'attachment',
          body: JSON.stringify({ attachmentId: id, name: cleanName(name), size: data.length }),
        })
        .execute();
      await tx.updateTable('tickets').set({ updated_at: now }).where('id', '=', ticketId).execute();
      return id;
    });
  }

  list(ticketId: number): Promise<AttachmentRow[]> {
    return this.db.kysely
      .selectFrom('ticket_attachments as a')
      .leftJoin('users as u', 'u.id', 'a.created_by')
      .select(['a.id', 'a.name', 'a.type', 'a.size', 'a.created_at as createdAt', 'u.name as authorName'])
      .where('a.ticket_id', '=', ticketId)
      .orderBy('a.id')
      .execute();
  }

  get(ticketId: number, id: number): Promise<{ name: string; type: string; data: Buffer } | undefined> {
    return this.db.kysely
      .selectFrom('ticket_attachments')
      .select(['name', 'type', 'data'])
      .where('ticket_id', '=', ticketId)
      .where('id', '=', id)
      .executeTakeFirst();
  }
}
