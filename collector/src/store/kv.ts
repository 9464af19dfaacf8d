import type { RelationalStore } from './relational-store.js';

export async function kvGet(db: RelationalStore, key: string): Promise<string | undefined> {
  const row = await db.kysely.selectFrom('kv').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function kvSet(db: RelationalStore, key: string, value: string): Promise<void> {
  await db.kysely
    .insertInto('kv')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
