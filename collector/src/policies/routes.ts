import { maskUrlCredentialsDeep, type PolicyBody, PROBE_CONFIG_SPECS, VigieError } from '@vigie/shared';
import { EffectivePolicy, IdParams, PolicyAtScope, PolicyOverrides, PolicySaved, ProbeCatalogue, ScopeParams } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import { actorOf, assertClientVisible, isStaff, requireRole, requireUser } from '../auth/guard.js';
import type { AgentChannel } from '../ingest/agent-channel.js';
import type { RelationalStore } from '../store/relational-store.js';
import { type PolicyOverrides as PolicyOverridesInput, type PolicyScope, type PolicyService, SITE_ROLE_PROBES } from './service.js';

type ScopeReq = FastifyRequest<{ Params: { scope: PolicyScope; id: number } }>;

export function registerPolicyRoutes(
  app: FastifyInstance,
  deps: { db: RelationalStore; policies: PolicyService; channel: AgentChannel; beforePush?: (deviceIds: number[]) => Promise<void> },
): void {
  const { db, policies, channel } = deps;

  const scopeExists = async (scope: PolicyScope, id: number): Promise<{ clientId: number } | undefined> => {
    const clientId = await policies.scopeClient(scope, id);
    return clientId === undefined ? undefined : { clientId };
  };

  // Policy editors render each probe's settings from its schema (JSON Schema) and show its defaults.
  app.get(
    '/api/v1/probes',
    {
      schema: {
        tags: ['policies'],
        description: 'Configuration schema and defaults of every probe a policy may set. Staff only.',
        response: { 200: ProbeCatalogue },
      },
    },
    async (req) => {
      requireRole(req, 'admin', 'technician');
      return {
        policy: policies.defaults(),
        probes: Object.values(PROBE_CONFIG_SPECS).map((spec) => ({
          id: spec.id,
          siteRole: SITE_ROLE_PROBES.has(spec.id),
          defaults: spec.defaults,
          schema: spec.schema,
        })),
      };
    },
  );

  app.get('/api/v1/policies/:scope/:id', { schema: { tags: ['policies'], params: ScopeParams, response: { 200: PolicyAtScope } } }, async (req: ScopeReq) => {
    requireRole(req, 'admin', 'technician');
    if (!(await scopeExists(req.params.scope, req.params.id))) throw new VigieError('NOT_FOUND');
    const p = await policies.get(req.params.scope, req.params.id);
    return {
      scope: req.params.scope,
      id: req.params.id,
      overrides: p?.overrides ?? {},
      version: p?.version ?? 0,
      updatedAt: p?.updatedAt ?? null,
      // What the collector changed itself (a migration that took targets out), for staff to read.
      notices: await policies.notices(req.params.scope, req.params.id),
    };
  });

  app.put(
    '/api/v1/policies/:scope/:id',
    { schema: { tags: ['policies'], params: ScopeParams, body: PolicyOverrides, response: { 200: PolicySaved } } },
    async (req: FastifyRequest<{ Params: { scope: PolicyScope; id: number }; Body: PolicyOverridesInput }>) => {
      const user = requireRole(req, 'admin', 'technician');
      const { scope, id } = req.params;
      if (!(await scopeExists(scope, id))) throw new VigieError('NOT_FOUND');
      const version = await policies.put(scope, id, req.body, user.id);
      await audit(db, actorOf(user), 'policy.update', `${scope}:${id}`, { version });
      // Connected agents get their new merged policy now, and apply it without restarting.
      const devices = await policies.devicesInScope(scope, id);
      // Signed grants for the scripts the policy names go first: the probes look for them.
      await deps.beforePush?.(devices);
      channel.pushPolicy(devices);
      return { scope, id, version, devices: devices.length };
    },
  );

  app.get(
    '/api/v1/devices/:id/policy',
    { schema: { tags: ['policies'], params: IdParams, response: { 200: EffectivePolicy } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireUser(req);
      const scope = await scopeExists('device', req.params.id);
      if (!scope) throw new VigieError('NOT_FOUND');
      assertClientVisible(user, scope.clientId);
      const policy = await policies.effectiveOf(req.params.id);
      return { deviceId: req.params.id, policy: isStaff(user) ? policy : withoutSecrets(policy) };
    },
  );
}

/**
 * SNMP communities and v3 keys, and passwords written inside URLs (an HTTP check's
 * `http://user:pw@…`, a restic `rest:https://user:pw@…` repository), are the provider's: a client
 * user sees that they are set, not them.
 */
export function withoutSecrets(given: PolicyBody): PolicyBody {
  const policy = maskUrlCredentialsDeep(given);
  const snmp = policy.probes.snmp as { targets?: Record<string, unknown>[]; scan?: Record<string, unknown> } | undefined;
  if (!snmp) return policy;
  const hide = (o: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...o };
    if ('community' in out) out.community = '••••';
    if (out.v3 && typeof out.v3 === 'object') {
      const v3 = { ...(out.v3 as Record<string, unknown>) };
      for (const k of ['authKey', 'privKey']) if (k in v3) v3[k] = '••••';
      out.v3 = v3;
    }
    return out;
  };
  return {
    ...policy,
    probes: {
      ...policy.probes,
      snmp: { ...snmp, ...(snmp.targets ? { targets: snmp.targets.map(hide) } : {}), ...(snmp.scan ? { scan: hide(snmp.scan) } : {}) },
    },
  };
}
