import type { Kysely } from 'kysely';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';

export interface StoredComment {
  text: string;
  authorName: string | null;
  updatedAt: number;
}

/** One query for the comment, read by the API and frozen into the report's data (inside the report's snapshot). */
export function commentQuery(db: Kysely<DB>, clientId: number, month: string) {
  return db
    .selectFrom('report_comments as c')
    .leftJoin('users as u', 'u.id', 'c.author_id')
    .select(['c.text', 'u.name as authorName', 'c.updated_at as updatedAt'])
    .where('c.client_id', '=', clientId)
    .where('c.month', '=', month);
}

/** The technician's word on a client's month (report_comments), printed on its report's summary page. */
export class ReportComments {
  constructor(private readonly db: RelationalStore) {}

  get(clientId: number, month: string): Promise<StoredComment | undefined> {
    return commentQuery(this.db.kysely, clientId, month).executeTakeFirst();
  }

  /** Sets the comment (an empty text removes it) and audits it, in one transaction. */
  async put(clientId: number, month: string, text: string, author: { id: number; actor: string }, now = Date.now()): Promise<void> {
    const authorId = author.id;
    await this.db.kysely.transaction().execute(async (tx) => {
      await appendAuditInTransaction(tx, this.db.dialect, author.actor, 'report.comment', `client:${clientId}`, { month, length: text.trim().length });
      if (text.trim() === '') await tx.deleteFrom('report_comments').where('client_id', '=', clientId).where('month', '=', month).execute();
      else
        await tx
          .insertInto('report_comments')
          .values({ client_id: clientId, month, text: text.trim(), author_id: authorId, updated_at: now })
          .onConflict((oc) =>
            oc
              .columns(['client_id', 'month'])
              .doUpdateSet((eb) => ({ text: eb.ref('excluded.text'), author_id: eb.ref('excluded.author_id'), updated_at: eb.ref('excluded.updated_at') })),
          )
          .execute();
    });
  }
}
