import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { refreshAuditHeadOf } from '../audit/repository.js';
import type { Remote } from '../commands/module.js';
import type { RelationalStore } from '../store/relational-store.js';
import { PatchInstalls } from './installs.js';
import { registerPatchManagementRoutes } from './management-routes.js';
import { PatchPolicies } from './policy.js';
import { PatchRepository } from './repository.js';
import { registerPatchRoutes } from './routes.js';

/** Patch management, assembled: the compliance view, policies, approvals and the install schedule. */
export function createPatches(o: { db: RelationalStore; remote: Remote; log: FastifyBaseLogger }) {
  const repository = new PatchRepository(o.db);
  // After each audited commit: the head file follows (fire-and-forget from the services' hook; a failure is logged, `audit verify` then reports the head as stale).
  const audited = () => {
    refreshAuditHeadOf(o.db).catch((err) => o.log.error({ err }, 'audit head file not refreshed'));
  };
  const policies = new PatchPolicies(o.db, audited);
  const installs = new PatchInstalls(o.db, o.remote.keys, policies, (agentIds) => o.remote.queued(agentIds), audited);
  let timer: NodeJS.Timeout | undefined;
  return {
    repository,
    policies,
    installs,
    registerRoutes(app: FastifyInstance) {
      registerPatchRoutes(app, { patches: repository });
      registerPatchManagementRoutes(app, { patches: repository, policies, installs, permissions: o.remote.permissions, totp: o.remote.totp });
    },
    /** The schedule (one collector process of a cluster runs it). */
    start(intervalMs: number) {
      if (intervalMs <= 0) return;
      timer = setInterval(() => {
        installs.schedule().catch((err) => o.log.error({ err }, 'patch schedule failed'));
      }, intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

export type Patches = ReturnType<typeof createPatches>;
