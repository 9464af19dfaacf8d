import type { FastifyBaseLogger } from 'fastify';
import type { RelationalStore } from '../store/relational-store.js';

export interface LeaseStats {
  held: boolean;
  acquisitions: number;
  losses: number;
  errors: number;
}

/**
 * A lease held in the database: whoever holds the row `name` runs the jobs that must run once in the
 * cluster. Taken or renewed by one atomic INSERT … ON CONFLICT DO UPDATE … WHERE (the holder renews;
 * anyone takes an expired lease), which SQLite and PostgreSQL run alike, so no two collectors hold it
 * at once. A collector that dies keeps it until its expiry; one that stops cleanly gives it back.
 * Expiry is read on each collector's clock: their clocks must agree (NTP) well within `ttlMs`.
 */
export class ClusterLease {
  readonly stats: LeaseStats = { held: false, acquisitions: 0, losses: 0, errors: 0 };
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(
    /** The collector's database (SQLite today; any Kysely of the same schema, PostgreSQL included). */
    private readonly db: Pick<RelationalStore, 'kysely'>,
    readonly name: string,
    readonly holder: string,
    private readonly o: {
      ttlMs: number;
      log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
      /** A failed renewal the caller accounts for itself (a full or damaged store: counted and summarised there); true when it did. */
      onError?: (err: unknown) => boolean;
      /** Called once each time this collector takes the lease, and once each time it loses it. */
      onChange?: (held: boolean) => void;
    },
  ) {}

  get held(): boolean {
    return this.stats.held;
  }

  /** Tries at once, then renews (or tries again) three times per lease period. */
  start(): Promise<void> {
    this.timer = setInterval(() => this.tick(), Math.max(100, Math.floor(this.o.ttlMs / 3)));
    this.timer.unref();
    return this.tick();
  }

  private tick(): Promise<void> {
    this.ticking ??= this.renew(Date.now()).finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  /** One attempt: true when this collector holds the lease until `now + ttl`. */
  async tryAcquire(now: number): Promise<boolean> {
    const row = await this.db.kysely
      .insertInto('cluster_leases')
      .values({ name: this.name, holder: this.holder, expires_at: now + this.o.ttlMs, acquired_at: now })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet((eb) => ({
            holder: eb.ref('excluded.holder'),
            expires_at: eb.ref('excluded.expires_at'),
            acquired_at: eb
              .case()
              .when('cluster_leases.holder', '=', eb.ref('excluded.holder'))
              .then(eb.ref('cluster_leases.acquired_at'))
              .else(eb.ref('excluded.acquired_at'))
              .end(),
          }))
          .where((eb) => eb.or([eb('cluster_leases.holder', '=', eb.ref('excluded.holder')), eb('cluster_leases.expires_at', '<', now)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === this.holder;
  }

  private async renew(now: number): Promise<void> {
    if (this.stopped) return;
    let held: boolean;
    try {
      held = await this.tryAcquire(now);
    } catch (err) {
      // Unsure whether we still hold it: stop running the jobs (another collector may take over at expiry).
      this.stats.errors++;
      if (!this.o.onError?.(err)) this.o.log.error({ err, lease: this.name }, 'cluster lease: could not renew; the jobs stop here until it can');
      held = false;
    }
    if (this.stopped || held === this.stats.held) return;
    this.stats.held = held;
    if (held) {
      this.stats.acquisitions++;
      this.o.log.info({ lease: this.name, holder: this.holder }, 'cluster lease taken: this collector runs the scheduled jobs');
    } else {
      this.stats.losses++;
      this.o.log.warn({ lease: this.name, holder: this.holder }, 'cluster lease lost: another collector runs the scheduled jobs');
    }
    this.o.onChange?.(held);
  }

  /** Stops renewing and gives the lease back, so that another collector takes over now rather than at expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    if (!this.stats.held) return;
    this.stats.held = false;
    this.o.onChange?.(false);
    await this.db.kysely
      .updateTable('cluster_leases')
      .set({ expires_at: 0 })
      .where('name', '=', this.name)
      .where('holder', '=', this.holder)
      .execute()
      .catch((err: unknown) => this.o.log.error({ err, lease: this.name }, 'cluster lease: not given back; another collector takes it at its expiry'));
  }
}
