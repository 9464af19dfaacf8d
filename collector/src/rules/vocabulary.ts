import { Type } from '@sinclair/typebox';
import { CHECK_TEXTS_BY_SOURCE } from '@vigie/shared';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/guard.js';
import type { RelationalStore } from '../store/relational-store.js';

export const RuleVocabulary = Type.Object({
  /** Metric names the devices report, with how many devices report each. */
  metrics: Type.Array(Type.Object({ name: Type.String(), devices: Type.Integer() })),
  /** Check names the devices report, each with the finding codes it can give. */
  checks: Type.Array(Type.Object({ check: Type.String(), codes: Type.Array(Type.String()) })),
});

/** The catalogue table a check's codes live in: its probe's, or the site role's for every `snmp-*` check. */
const sourceOf = (check: string) => (check.startsWith('snmp-') ? 'snmp' : check);

/** `GET /api/v1/rules/vocabulary`: what a rule can be about, for the rule builder's pick lists. */
export function registerRuleVocabulary(app: FastifyInstance, db: RelationalStore): void {
  app.get('/api/v1/rules/vocabulary', { schema: { tags: ['rules'], response: { 200: RuleVocabulary } } }, async (req) => {
    requireRole(req, 'admin', 'technician');
    return ruleVocabulary(db);
  });
}

/** What the rule builder offers: the metrics reported (with how many devices each) and the checks with their codes. */
export async function ruleVocabulary(db: RelationalStore) {
  const metrics = (
    await db.kysely
      .selectFrom('series')
      .select((eb) => ['name', eb.fn.count<number>('device_id').distinct().as('devices')])
      .groupBy('name')
      .execute()
  )
    .map((m) => ({ name: m.name, devices: Number(m.devices) }))
    // Sorted here, by code unit as SQLite's BINARY collation does: PostgreSQL's order follows its locale.
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const seen = await db.kysely.selectFrom('check_state').select(['check', 'code']).distinct().execute();
  const checks = new Map<string, Set<string>>();
  for (const [source, texts] of Object.entries(CHECK_TEXTS_BY_SOURCE))
    if (source !== 'snmp' && source !== 'probe-runner') checks.set(source, new Set(Object.keys(texts)));
  // The site role's checks (their codes share one table).
  for (const check of ['snmp-reachable', 'snmp-interface', 'snmp-supply', 'snmp-ups'])
    checks.set(check, new Set(Object.keys(CHECK_TEXTS_BY_SOURCE.snmp ?? {})));
  for (const r of seen) {
    const codes = checks.get(r.check) ?? new Set(Object.keys(CHECK_TEXTS_BY_SOURCE[sourceOf(r.check)] ?? {}));
    codes.add(r.code);
    checks.set(r.check, codes);
  }
  return {
    metrics,
    checks: [...checks].sort(([a], [b]) => a.localeCompare(b)).map(([check, codes]) => ({ check, codes: [...codes].sort() })),
  };
}
