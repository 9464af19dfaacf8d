import type { AgentBody, PatchesBody } from '@vigie/shared';
import type { Transaction } from 'kysely';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
import { planInstallResult, planPatchReport } from './report-plan.js';

/**
 * Stores a device's `patches` report and a patch-install command's results inside an ingest
 * writer's Kysely transaction, on either engine (both ingest writers' `patches` domain). The
 * writer holds the sending agent's row locked, so one device's frames never interleave across
 * collectors. What to write is decided by `report-plan.ts`, the SQLite writer and the PostgreSQL writer both use this class.
 */
export class PatchIngestTx {
  constructor(private readonly dialect: RelationalStore['dialect']) {}

  /** Returns false when the report was older than the stored one and ignored. */
  async apply(tx: Transaction<DB>, deviceId: number, body: PatchesBody, now: number): Promise<boolean> {
    const known = await tx.selectFrom('device_patch_status').select('collected_at').where('device_id', '=', deviceId).executeTakeFirst();
    const open = await tx
      .selectFrom('device_patches')
      .select(['id', 'name', 'arch'])
      .where('device_id', '=', deviceId)
      .where('resolved_at', 'is', null)
      .orderBy('id')
      .execute();
    const openReboot = await tx
      .selectFrom('device_reboot_pending')
      .select('id')
      .where('device_id', '=', deviceId)
      .where('until', 'is', null)
      .executeTakeFirst();
    const plan = planPatchReport(known && { collectedAt: known.collected_at }, open, openReboot, body, now);
    if (!plan) return false;
    await tx
      .insertInto('device_patch_status')
      .values({ device_id: deviceId, ...plan.status })
      .onConflict((oc) =>
        oc.column('device_id').doUpdateSet((eb) => ({
          source: eb.ref('excluded.source'),
          collected_at: eb.ref('excluded.collected_at'),
          received_at: eb.ref('excluded.received_at'),
          reboot_pending: eb.ref('excluded.reboot_pending'),
          truncated: eb.ref('excluded.truncated'),
        })),
      )
      .execute();
    for (const u of plan.updates) await tx.updateTable('device_patches').set(u.fields).where('id', '=', u.id).execute();
    if (plan.inserts.length > 0)
      await tx
        .insertInto('device_patches')
        .values(plan.inserts.map((i) => ({ device_id: deviceId, ...i })))
        .execute();
    if (plan.resolve.ids.length > 0) await tx.updateTable('device_patches').set({ resolved_at: plan.resolve.at }).where('id', 'in', plan.resolve.ids).execute();
    if (plan.reboot && 'start' in plan.reboot) await tx.insertInto('device_reboot_pending').values({ device_id: deviceId, since: plan.reboot.start }).execute();
    if (plan.reboot && 'end' in plan.reboot)
      await tx.updateTable('device_reboot_pending').set({ until: plan.reboot.end }).where('id', '=', plan.reboot.id).execute();
    return true;
  }

  /** A patch-install command's result: each package's outcome kept and audited, its approval closed. Only a command of the sending device counts. */
  async applyInstallResult(tx: Transaction<DB>, deviceId: number, agentId: string, r: AgentBody<'command-result'>, now: number): Promise<void> {
    const cmd = await tx
      .selectFrom('commands')
      .select('client_id')
      .where('id', '=', r.commandId)
      .where('device_id', '=', deviceId)
      .where('action', '=', 'patch-install')
      .executeTakeFirst();
    if (!cmd) return;
    const { outcomes, nothingTried } = planInstallResult(deviceId, agentId, cmd.client_id, r);
    for (const { result: p, audit: a } of outcomes) {
      await tx
        .insertInto('patch_install_results')
        .values({ command_id: r.commandId, device_id: deviceId, ...p, finished_at: now })
        .execute();
      await tx
        .updateTable('patch_approvals')
        .set({ state: p.state, note: p.error, updated_at: now })
        .where('command_id', '=', r.commandId)
        .where('device_id', '=', deviceId)
        .where('name', '=', p.name)
        .where('arch', '=', p.arch)
        .where('state', '=', 'queued')
        .execute();
      await appendAuditInTransaction(tx, this.dialect, a.actor, a.action, a.target, a.details, a.extra, now);
    }
    if (nothingTried !== null)
      await tx
        .updateTable('patch_approvals')
        .set({ state: 'failed', note: nothingTried, updated_at: now })
        .where('command_id', '=', r.commandId)
        .where('device_id', '=', deviceId)
        .where('state', '=', 'queued')
        .execute();
  }
}
