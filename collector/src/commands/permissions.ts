import { VigieError } from '@vigie/shared';
import type { Kysely } from 'kysely';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';

/**
 * Who may act on a client's machines: every admin, and a technician the `remote` permission was
 * granted to for that client. Client users never.
 */
export class RemotePermissions {
  constructor(private readonly db: RelationalStore) {}

  /** `q`: the caller's transaction when it checks inside one (on SQLite the store's own connection is then busy). */
  async canAct(user: SessionUser, clientId: number, q: Kysely<DB> = this.db.kysely): Promise<boolean> {
    if (user.role === 'admin') return true;
    if (user.role !== 'technician') return false;
    const row = await q
      .selectFrom('remote_permissions')
      .select('client_id')
      .where('user_id', '=', user.id)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async assertCanAct(user: SessionUser, clientIds: Iterable<number>, q: Kysely<DB> = this.db.kysely): Promise<void> {
    for (const c of clientIds)
      if (!(await this.canAct(user, c, q)))
        throw new VigieError('REMOTE_PERMISSION_REQUIRED', `Vous n’avez pas le droit d’intervention à distance sur le client ${c}`);
  }

  /** The clients a technician was granted, in id order. */
  grantedClients(userId: number): Promise<number[]> {
    return this.clientsOf(userId);
  }

  async clientsOf(userId: number, q: Kysely<DB> = this.db.kysely): Promise<number[]> {
    const rows = await q.selectFrom('remote_permissions').select('client_id').where('user_id', '=', userId).orderBy('client_id').execute();
    return rows.map((r) => r.client_id);
  }

  /** Replaces a technician's list (audited, with what was added and removed; the route refreshes the audit head). */
  async set(admin: SessionUser, userId: number, clientIds: number[], now = Date.now()): Promise<number[]> {
    await this.db.kysely.transaction().execute(async (tx) => {
      const u = await tx.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
      if (!u) throw new VigieError('NOT_FOUND');
      if (u.role !== 'technician') throw new VigieError('VALIDATION', 'Seul un technicien reçoit ce droit (un administrateur l’a déjà, un client jamais)');
      for (const c of clientIds)
        if (!(await tx.selectFrom('clients').select('id').where('id', '=', c).executeTakeFirst())) throw new VigieError('NOT_FOUND', `Client ${c} inconnu`);
      const before = await this.clientsOf(userId, tx);
      await tx.deleteFrom('remote_permissions').where('user_id', '=', userId).execute();
      const granted = [...new Set(clientIds)];
      if (granted.length > 0)
        await tx
          .insertInto('remote_permissions')
          .values(granted.map((c) => ({ user_id: userId, client_id: c, granted_by: admin.id, granted_at: now })))
          .execute();
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${admin.id}`,
        'user.remote-permission',
        `user:${userId}`,
        { added: clientIds.filter((c) => !before.includes(c)), removed: before.filter((c) => !clientIds.includes(c)) },
        { result: 'ok' },
        now,
      );
    });
    return this.grantedClients(userId);
  }
}
