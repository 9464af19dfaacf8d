import { appendAudit } from '../audit/repository.js';
import type { Database } from '../store/database.js';

export interface StoredComment {
  text: string;
  authorName: string | null;
  updatedAt: number;
}

/** One query for the comment, read by the API and frozen into the report's data. */
export const COMMENT_SQL = `SELECT c.text, u.name AS authorName, c.updated_at AS updatedAt FROM report_comments c
  LEFT JOIN users u ON u.id = c.author_id WHERE c.client_id = ? AND c.month = ?`;

/** The technician's word on a client's month (report_comments), printed on its report's summary page. */
export class ReportComments {
  constructor(private readonly db: Database) {}

  get(clientId: number, month: string): Promise<StoredComment | undefined> {
    return this.db.writeLock(() => this.db.sqlite.prepare(COMMENT_SQL).get(clientId, month) as StoredComment | undefined);
  }

  /** Sets the comment (an empty text removes it) and audits it, in one transaction. */
  put(clientId: number, month: string, text: string, author: { id: number; actor: string }, now = Date.now()): Promise<void> {
    const authorId = author.id;
    return this.db.writeTransaction(() => {
      appendAudit(this.db.sqlite, author.actor, 'report.comment', `client:${clientId}`, { month, length: text.trim().length });
      if (text.trim() === '') this.db.sqlite.prepare('DELETE FROM report_comments WHERE client_id = ? AND month = ?').run(clientId, month);
      else
        this.db.sqlite
          .prepare(
            `INSERT INTO report_comments (client_id, month, text, author_id, updated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (client_id, month) DO UPDATE SET text = excluded.text, author_id = excluded.author_id, updated_at = excluded.updated_at`,
          )
          .run(clientId, month, text.trim(), authorId, now);
    });
  }
}
