import type { Database } from '../store/database.js';

/** Every state change is written here: who, what, on which target. */
export async function audit(db: Database, actor: string, action: string, target: string, details?: Record<string, unknown>): Promise<void> {
  await db.kysely
    .insertInto('audit_log')
    .values({ at: Date.now(), actor, action, target, details: details ? JSON.stringify(details) : null })
    .execute();
}
