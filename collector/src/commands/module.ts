import { join } from 'node:path';
import { type PolicyBody, scriptParamsError, VigieError } from '@vigie/shared';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { refreshAuditHead, setAuditHeadFile } from '../audit/repository.js';
import { registerAuditRoutes } from '../audit/routes.js';
import type { LoginLimiter } from '../auth/login-limiter.js';
import { registerTotpRoutes } from '../auth/totp/routes.js';
import { SecretBox } from '../auth/totp/secret-box.js';
import { TotpService } from '../auth/totp/totp-service.js';
import type { BillingService } from '../billing/service.js';
import type { ClusterBus, SessionEndReason } from '../cluster/bus.js';
import type { AgentChannel } from '../ingest/agent-channel.js';
import type { CommitEffects, PendingFrame } from '../ingest/frame.js';
import type { LiveEvent } from '../live/live-channel.js';
import type { PolicyOverrides } from '../policies/service.js';
import type { Database } from '../store/database.js';
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
  db: Database;
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
  const notify: CommandNotifier & { keysRotated(): void } = {
    queued: (agentIds) => agentIds.length > 0 && bus.publish({ type: 'commands-queued', agentIds }),
    live: (e) => o.publishLive(e),
    keysRotated: () => bus.publish({ type: 'signing-keys-rotated' }),
  };
  const commands = new CommandService(db, keys, scripts, permissions, totp, notify);
  let channel: AgentChannel | undefined;
  let delivery: CommandDelivery | undefined;
  let sessions: RemoteSessions | undefined;
  const fail = (what: string) => (err: Error) => o.log.error({ err }, what);

  const deliverLocal = (agentIds: string[], resend: boolean) => {
    for (const id of agentIds) delivery?.deliver(id, { resend }).catch(fail('command delivery failed'));
  };
  bus.subscribe((m) => {
    if (m.type === 'commands-queued') deliverLocal(m.agentIds, false);
    else if (m.type === 'signing-keys-rotated') keys.load();
    else if (m.type === 'grants-changed') for (const d of m.devices) if (channel?.holds(d.agentId)) delivery?.sendGrants(d.agentId, d.deviceId);
  });

  const regrant = async (deviceIds: number[]) => {
    if (!delivery || deviceIds.length === 0) return;
    const changed = await delivery.refreshGrants(deviceIds);
    refreshAuditHead(db);
    const devices = changed.length
      ? (db.sqlite
          .prepare('SELECT device_id AS deviceId, id AS agentId FROM agents WHERE revoked_at IS NULL AND device_id IN (SELECT value FROM json_each(?))')
          .all(JSON.stringify(changed)) as { deviceId: number; agentId: string }[])
      : [];
    if (devices.length) bus.publish({ type: 'grants-changed', devices });
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
      applyFrame(f: PendingFrame, now: number, effect: NonNullable<CommitEffects['remote']>) {
        if (!delivery) throw new Error('remote intervention not wired to the agent channel yet');
        delivery.applyFrame(f, now, effect);
      },
    },
    attach(ch: AgentChannel) {
      channel = ch;
      delivery = new CommandDelivery(db, keys, scripts, { holds: (a) => ch.holds(a), send: (a, t, b) => ch.send(a, t, b) }, o.policyFor, notify);
    },
    /** Policies may name only approved scripts, with parameters their definitions accept. */
    checkPolicyScripts(overrides: PolicyOverrides) {
      const targets =
        (overrides.probes?.backup as { targets?: { kind?: string; script?: string; params?: Record<string, unknown>; name?: string }[] } | undefined)
          ?.targets ?? [];
      for (const t of targets) {
        if (t.kind !== 'command' || !t.script) continue;
        const v = scripts.approvedBySha(t.script);
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
    /** An agent said hello: its grants now (before the policy), then what waits for it. */
    onAgentHello(agent: { agentId: string; deviceId: number }) {
      delivery?.sendGrants(agent.agentId, agent.deviceId);
      setImmediate(() => {
        deliverLocal([agent.agentId], true);
        regrant([agent.deviceId]).catch(fail('grant refresh failed'));
      });
    },
    /** After an ingest commit: dashboards hear, freed slots are filled, rotated agents get grants again. */
    afterCommit(effects: CommitEffects) {
      const r = effects.remote;
      if (!r) return;
      refreshAuditHead(db);
      for (const e of r.live) o.publishLive(e);
      notify.queued([...new Set(r.queued)]);
      if (r.regrant.length) regrant(r.regrant).catch(fail('grant refresh failed'));
    },
    expire: () => commands.expire(),
    registerRoutes(app: FastifyInstance, deps: { billing: BillingService }) {
      sessions = new RemoteSessions(db, deps.billing, permissions);
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
