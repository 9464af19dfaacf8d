import type { Database } from '../../store/database.js';

/** The provider's logo (billing_settings), printed on its monthly reports. */
export async function readLogo(db: Database): Promise<{ type: string; data: Buffer } | undefined> {
  const r = await db.kysely.selectFrom('billing_settings').select(['logo', 'logo_type']).where('id', '=', 1).executeTakeFirst();
  return r?.logo && r.logo_type ? { type: r.logo_type, data: r.logo } : undefined;
}

/** Stores the logo; false when the provider's identity was never entered (no settings row to hold it). */
export async function writeLogo(db: Database, data: Buffer, type: string, now = Date.now()): Promise<boolean> {
  return db.writeTransaction(
    () => db.sqlite.prepare('UPDATE billing_settings SET logo = ?, logo_type = ?, logo_updated_at = ? WHERE id = 1').run(data, type, now).changes > 0,
  );
}

export async function clearLogo(db: Database): Promise<void> {
  await db.writeTransaction(() => db.sqlite.prepare('UPDATE billing_settings SET logo = NULL, logo_type = NULL, logo_updated_at = NULL WHERE id = 1').run());
}
