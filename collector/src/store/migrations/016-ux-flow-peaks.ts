import { type Kysely, sql } from 'kysely';

/**
 * The real peak of each hour of flows (issue 18, point 11): its busiest per-minute bucket, kept when
 * the hour is rolled up — the minute detail goes after 30 days, and an hourly average is about 60
 * times lower than a one-minute burst on a bursty link.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE flow_hourly ADD COLUMN peak_at INTEGER`.execute(db);
  await sql`ALTER TABLE flow_hourly ADD COLUMN peak_bytes INTEGER`.execute(db);
  await sql`ALTER TABLE flow_hourly ADD COLUMN peak_packets INTEGER`.execute(db);
  await sql`ALTER TABLE flow_hourly ADD COLUMN peak_ms INTEGER`.execute(db);
}
