import { join } from 'node:path';
import { type PolicyBody, scriptParamsError, VigieError } from '@vigie/shared';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Transaction } from 'kysely';
import { refreshAuditHeadOf, setAuditHeadFile } from '../audit/repository.js';
import { registerAuditRoutes } from '../audit/routes.js';
import type { LoginLimiter } from '../auth/login-limiter.js';
import { registerTotpRoutes } from '../auth/totp/routes.js';
import { SecretBox } from '../auth/totp/secret-box.js';
import { TotpService } from '../auth/totp/totp-service.js';
import type { BillingService } from '../billing/service.js';
import type { ClusterBus, SessionEndReason } from '../cluster/bus.js';
import { inBusParts } from '../cluster/cluster-messages.js';
import type { AgentChannel } from '../ingest/agent-channel.js';
import type { CommitEffects, PendingFrame } from '../ingest/frame.js';
import type { LiveEvent } from '../live/live-channel.js';
import type { PolicyOverrides } from '../policies/service.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
import { type CommandNotifier, CommandService } from './command-service.js';
import { CommandDelivery } from './delivery.js';
import { RemotePermissions } from './permissions.js';
import { RemoteSessions } from './remote-sessions.js';
import { registerCommandRoutes } from './routes.js';
import { ScriptsRepository } from './scripts-repository.js';
import { DeviceSelections } from './selections.js';
import { registerRemoteSessionRoutes } from './session-routes.js';
import { SigningKeys } from './signing-keys.js';

export const auditHeadPath = (dataDir: string) => join(dataDir, 'keys', 'audit-head.json');

/**
 * Remote intervention, assembled: signing keys, TOTP, permissions, the script library, commands
 * and their delivery, remote sessions, the audit log's routes. `app.ts` wires it in a few lines.
 */
export function createRemote(o: {
  db: RelationalStore;
  dataDir: string;
  bus: ClusterBus;
  log: FastifyBaseLogger;
  publishLive: (e: LiveEvent) => void;
  policyFor: (deviceId: number) => Promise<PolicyBody>;
}) {
  const { db, bus } = o;
  setAuditHeadFile(db, auditHeadPath(o.dataDir));
  const keys = SigningKeys.open(o.dataDir);
  const totp = new TotpService(db, SecretBox.open(o.dataDir));
  const permissions = new RemotePermissions(db);
  const scripts = new ScriptsRepository(db);
  const fail = (what: string) => (err: Error) => o.log.error({ err }, what);
  const notify: CommandNotifier & { keysRotated(): void } = {
    queued: (agentIds) => {
      if (agentIds.length > 0) for (const part of inBusParts(agentIds)) bus.publish({ type: 'commands-queued', agentIds: part });
    },
    live: (e) => o.publishLive(e),
    keysRotated: () => bus.publish({ type: 'signing-keys-rotated' }),
    audited: () => {
      refreshAuditHeadOf(db).catch(fail('audit head file not refreshed'));
    },
  };
  const commands = new CommandService(db, keys, scripts, permissions, totp, notify);
  let channel: AgentChannel | undefined;
  let delivery: CommandDelivery | undefined;
  let sessions: RemoteSessions | undefined;

  const deliverLocal = (agentIds: string[], resend: boolean) => {
    for (const id of agentIds) delivery?.deliver(id, { resend }).catch(fail('command delivery failed'));
  };
  bus.subscribe((m) => {
    if (m.type === 'commands-queued') deliverLocal(m.agentIds, false);
    else if (m.type === 'signing-keys-rotated') keys.load();
    else if (m.type === 'grants-changed')
      for (const d of m.devices) if (channel?.holds(d.agentId)) delivery?.sendGrants(d.agentId, d.deviceId).catch(fail('grant sending failed'));
  });

  const regrant = async (deviceIds: number[]) => {
    if (!delivery || deviceIds.length === 0) return;
    const changed = await delivery.refreshGrants(deviceIds);
    await refreshAuditHeadOf(db);
    const devices = changed.length
      ? await db.kysely
          .selectFrom('agents')
          .select(['device_id as deviceId', 'id as agentId'])
          .where('revoked_at', 'is', null)
          .where('device_id', 'in', changed)
          .orderBy('device_id')
          .orderBy('id')
          .execute()
      : [];
    if (devices.length) for (const part of inBusParts(devices)) bus.publish({ type: 'grants-changed', devices: part });
  };

  return {
    keys,
    totp,
    permissions,
    scripts,
    commands,
    /** Agents that have new commands queued by another domain (patches, updates), once its transaction committed. */
    queued: (agentIds: string[]) => notify.queued(agentIds),
    get delivery() {
      return delivery;
    },
    /** Remote sessions from tickets (set once the routes are registered). */
    get sessions() {
      return sessions;
    },
    /** For the ingest writer: agent answers about commands, inside its transaction. */
    frameSink: {
      applyFrame(tx: Transaction<DB>, f: PendingFrame, now: number, effect: NonNullable<CommitEffects['remote']>): Promise<void> {
        if (!delivery) throw new Error('remote intervention not wired to the agent channel yet');
        return delivery.applyFrame(tx, f, now, effect);
      },
    },
    attach(ch: AgentChannel) {
      channel = ch;
      delivery = new CommandDelivery(db, keys, scripts, { holds: (a) => ch.holds(a), send: (a, t, b) => ch.send(a, t, b) }, o.policyFor, notify);
    },
    /** Policies may name only approved scripts, with parameters their definitions accept. */
    async checkPolicyScripts(overrides: PolicyOverrides): Promise<void> {
      const targets =
        (overrides.probes?.backup as { targets?: { kind?: string; script?: string; params?: Record<string, unknown>; name?: string }[] } | undefined)
          ?.targets ?? [];
      for (const t of targets) {
        if (t.kind !== 'command' || !t.script) continue;
        const v = await scripts.approvedBySha(t.script);
        if (!v)
          throw new VigieError(
            'SCRIPT_NOT_APPROVED',
            `La cible « ${t.name ?? ''} » nomme un script qu’aucun administrateur n’a approuvé (${t.script.slice(0, 12)}…)`,
          );
        const problem = scriptParamsError(v.params, t.params ?? {});
        if (problem) throw new VigieError('VALIDATION', `${v.name} : ${problem}`);
      }
    },
    /** A policy changed for these devices: their grants first (they must arrive before the policy). */
    beforePolicyPush: regrant,
    /**
     * An agent said hello: its grants, then what waits for it. The channel sends the policy at once
     * (it must not wait for a busy store); the grants are read from the store meanwhile, so when the
     * device has any, its policy is announced again after them and its probes find the grants it names.
     */
    onAgentHello(agent: { agentId: string; deviceId: number }): void {
      delivery
        ?.sendGrants(agent.agentId, agent.deviceId)
        .then((n) => {
          if (n > 0) bus.publish({ type: 'policy-changed', deviceIds: [agent.deviceId] });
        })
        .catch(fail('grant sending failed'));
      setImmediate(() => {
        deliverLocal([agent.agentId], true);
        regrant([agent.deviceId]).catch(fail('grant refresh failed'));
      });
    },
    /** After an ingest commit: dashboards hear, freed slots are filled, rotated agents get grants again. */
    afterCommit(effects: CommitEffects) {
      const r = effects.remote;
      if (!r) return;
      refreshAuditHeadOf(db).catch(fail('audit head file not refreshed'));
      for (const e of r.live) o.publishLive(e);
      notify.queued([...new Set(r.queued)]);
      if (r.regrant.length) regrant(r.regrant).catch(fail('grant refresh failed'));
    },
    expire: () => commands.expire(),
    registerRoutes(app: FastifyInstance, deps: { billing: BillingService }) {
      sessions = new RemoteSessions(db, deps.billing, permissions, notify.audited);
      registerCommandRoutes(app, { db, keys, scripts, commands, totp, selections: new DeviceSelections(db), notify });
      registerRemoteSessionRoutes(app, { sessions });
    },
    /** Hooks that must see every route: TOTP enrolment enforcement, billing audit. */
    registerEarly(app: FastifyInstance, hooks: { limiter: LoginLimiter; sessionsEnded: (e: { userId: number; reason: SessionEndReason }) => void }) {
      registerTotpRoutes(app, { db, totp, permissions, limiter: hooks.limiter, sessionsEnded: hooks.sessionsEnded });
      registerAuditRoutes(app, { db, headFile: auditHeadPath(o.dataDir) });
    },
  };
}

export type Remote = ReturnType<typeof createRemote>;
