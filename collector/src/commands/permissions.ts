import { VigieError } from '@vigie/shared';
import { appendAudit } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import type { Database } from '../store/database.js';

/**
 * Who may act on a client's machines: every admin, and a technician the `remote` permission was
 * granted to for that client. Client users never.
 */
export class RemotePermissions {
  constructor(private readonly db: Database) {}

  canAct(user: SessionUser, clientId: number): boolean {
    if (user.role === 'admin') return true;
    if (user.role !== 'technician') return false;
    return this.db.sqlite.prepare('SELECT 1 FROM remote_permissions WHERE user_id = ? AND client_id = ?').get(user.id, clientId) !== undefined;
  }

  assertCanAct(user: SessionUser, clientIds: Iterable<number>): void {
    for (const c of clientIds)
      if (!this.canAct(user, c)) throw new VigieError('REMOTE_PERMISSION_REQUIRED', `Vous n’avez pas le droit d’intervention à distance sur le client ${c}`);
  }

  /** `clientsOf` for a route, under the write lock. */
  grantedClients(userId: number): Promise<number[]> {
    return this.db.writeLock(() => this.clientsOf(userId));
  }

  clientsOf(userId: number): number[] {
    return (this.db.sqlite.prepare('SELECT client_id FROM remote_permissions WHERE user_id = ? ORDER BY client_id').raw(true).all(userId) as [number][]).map(
      (r) => r[0],
    );
  }

  /** Replaces a technician's list (audited, with what was added and removed). */
  async set(admin: SessionUser, userId: number, clientIds: number[], now = Date.now()): Promise<number[]> {
    await this.db.writeTransaction(() => {
      const u = this.db.sqlite.prepare('SELECT role FROM users WHERE id = ?').get(userId) as { role: string } | undefined;
      if (!u) throw new VigieError('NOT_FOUND');
      if (u.role !== 'technician') throw new VigieError('VALIDATION', 'Seul un technicien reçoit ce droit (un administrateur l’a déjà, un client jamais)');
      for (const c of clientIds)
        if (!this.db.sqlite.prepare('SELECT 1 FROM clients WHERE id = ?').get(c)) throw new VigieError('NOT_FOUND', `Client ${c} inconnu`);
      const before = this.clientsOf(userId);
      this.db.sqlite.prepare('DELETE FROM remote_permissions WHERE user_id = ?').run(userId);
      const ins = this.db.sqlite.prepare('INSERT INTO remote_permissions (user_id, client_id, granted_by, granted_at) VALUES (?, ?, ?, ?)');
      for (const c of new Set(clientIds)) ins.run(userId, c, admin.id, now);
      appendAudit(
        this.db.sqlite,
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
