import { ok, type Session } from './http.js';
import { enrolStaff, type SecondFactorSeed, stepUp } from './staff.js';
import type { TenantIds } from './world.js';

/** A script any machine could run harmlessly (no agent of the suite runs anything: their ceiling is off). */
export const HARMLESS_SCRIPT = { language: 'sh', content: 'df -h /\n', timeoutSec: 30 } as const;
/** A log fetch: an action that needs no step-up, for commands that exist on each client's machines. */
export const LOG_FETCH = { path: '/var/log/vigie-suite.log', maxBytes: 4096 } as const;

/**
 * What remote intervention needs in the world: the technician `remote` given the permission on one
 * client (it then enrols TOTP, as it must), a library script whose first version an admin approved
 * (with a step-up) and whose second was never approved.
 */
export async function seedRemote(
  url: string,
  admin: Session,
  adminSeed: Pick<SecondFactorSeed, 'secret'>,
  tech: { email: string; id: number; password: string },
  clientId: number,
): Promise<{ session: Session; seed: SecondFactorSeed; script: { id: number; approved: number; draft: number } }> {
  ok(await admin.put(`/api/v1/users/${tech.id}/remote-permissions`, { clientIds: [clientId] }), 'remote permission');
  const enrolled = await enrolStaff(url, tech.email, tech.password);
  const v1 = ok<{ id: number; scriptId: number }>(
    await admin.post('/api/v1/scripts', { name: 'Espace disque', description: 'df sur la racine', ...HARMLESS_SCRIPT }),
    'script',
  );
  await stepUp(admin, adminSeed);
  ok(await admin.post(`/api/v1/script-versions/${v1.id}/approve`), 'approval');
  const v2 = ok<{ id: number }>(
    await admin.post(`/api/v1/scripts/${v1.scriptId}/versions`, { ...HARMLESS_SCRIPT, content: 'df -h /home\n' }),
    'script version 2',
  );
  return {
    session: enrolled.session,
    seed: { secret: enrolled.secret, recoveryCodes: enrolled.recoveryCodes },
    script: { id: v1.scriptId, approved: v1.id, draft: v2.id },
  };
}

/** A command on the client's device and a remote session from its ticket (ended: a draft intervention). */
export async function seedRemoteOfTenant(admin: Session, t: { device: number; ticket: number }): Promise<Pick<TenantIds, 'command' | 'remoteSession'>> {
  const run = ok<{ commands: { id: string }[] }>(
    await admin.post('/api/v1/commands', { target: { kind: 'device', id: t.device }, action: 'log-fetch', args: LOG_FETCH }),
    'command',
  );
  const session = ok<{ id: number }>(await admin.post(`/api/v1/tickets/${t.ticket}/remote-sessions`, { deviceId: t.device }), 'remote session');
  ok(await admin.post(`/api/v1/remote-sessions/${session.id}/end`), 'remote session end');
  return { command: run.commands[0]!.id, remoteSession: session.id };
}
