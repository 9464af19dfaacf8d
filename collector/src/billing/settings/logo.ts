import { appendAuditInTransaction } from '../../audit/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';

/** The provider's logo (billing_settings), printed on its monthly reports. */
export async function readLogo(db: RelationalStore): Promise<{ type: string; data: Buffer } | undefined> {
  const r = await db.kysely.selectFrom('billing_settings').select(['logo', 'logo_type']).where('id', '=', 1).executeTakeFirst();
  return r?.logo && r.logo_type ? { type: r.logo_type, data: r.logo } : undefined;
}

/**
 * Stores the logo, audited in the same transaction; false when the provider's identity was never
 * entered (no settings row to hold it: nothing written, nothing audited).
 */
export async function writeLogo(db: RelationalStore, data: Buffer, type: string, actor: string, now = Date.now()): Promise<boolean> {
  return db.kysely.transaction().execute(async (tx) => {
    const r = await tx.updateTable('billing_settings').set({ logo: data, logo_type: type, logo_updated_at: now }).where('id', '=', 1).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await appendAuditInTransaction(tx, db.dialect, actor, 'billing.logo', 'billing:settings', { type, size: data.length }, {}, now);
    return true;
  });
}

/** Removes the logo, audited in the same transaction. */
export async function clearLogo(db: RelationalStore, actor: string, now = Date.now()): Promise<void> {
  await db.kysely.transaction().execute(async (tx) => {
    await tx.updateTable('billing_settings').set({ logo: null, logo_type: null, logo_updated_at: null }).where('id', '=', 1).execute();
    await appendAuditInTransaction(tx, db.dialect, actor, 'billing.logo.delete', 'billing:settings', null, {}, now);
  });
}
