import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { refreshAuditHeadOf } from '../audit/repository.js';
import type { Remote } from '../commands/module.js';
import { authenticateAgent } from '../ingest/agent-auth.js';
import type { RelationalStore } from '../store/relational-store.js';
import { Releases } from './releases.js';
import { RolloutService } from './rollout.js';
import { registerUpdateRoutes } from './routes.js';

/** Signed agent self-update, assembled: releases, rollout and pins, the schedule, the routes. */
export function createUpdates(o: { db: RelationalStore; dataDir: string; remote: Remote; log: FastifyBaseLogger }) {
  // After each audited commit: the head file follows (fire-and-forget from the services' hook; a failure is logged, `audit verify` then reports the head as stale).
  const audited = () => {
    refreshAuditHeadOf(o.db).catch((err) => o.log.error({ err }, 'audit head file not refreshed'));
  };
  // The agent's credential is the ingest domain's.
  const authenticate = (header: string | undefined) => authenticateAgent(o.db, header);
  const releases = new Releases(o.db, o.dataDir, audited);
  const rollout = new RolloutService(o.db, o.remote.keys, releases, (agentIds) => o.remote.queued(agentIds), audited);
  let timer: NodeJS.Timeout | undefined;
  return {
    releases,
    rollout,
    registerRoutes(app: FastifyInstance) {
      registerUpdateRoutes(app, { releases, rollout, totp: o.remote.totp, authenticate });
    },
    /** One collector process of a cluster runs the schedule. */
    start(intervalMs: number) {
      if (intervalMs <= 0) return;
      timer = setInterval(() => {
        rollout.schedule().catch((err) => o.log.error({ err }, 'agent rollout schedule failed'));
      }, intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

export type Updates = ReturnType<typeof createUpdates>;
