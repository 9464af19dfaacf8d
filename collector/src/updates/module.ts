import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Remote } from '../commands/module.js';
import type { Database } from '../store/database.js';
import { Releases } from './releases.js';
import { RolloutService } from './rollout.js';
import { registerUpdateRoutes } from './routes.js';

/** Signed agent self-update, assembled: releases, rollout and pins, the schedule, the routes. */
export function createUpdates(o: { db: Database; dataDir: string; remote: Remote; log: FastifyBaseLogger }) {
  const releases = new Releases(o.db, o.dataDir);
  const rollout = new RolloutService(o.db, o.remote.keys, releases, (agentIds) => o.remote.queued(agentIds));
  let timer: NodeJS.Timeout | undefined;
  return {
    releases,
    rollout,
    registerRoutes(app: FastifyInstance) {
      registerUpdateRoutes(app, { db: o.db, releases, rollout, totp: o.remote.totp });
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
