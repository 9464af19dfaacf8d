import { VigieError } from '@vigie/shared';
import { describe, expect, test } from 'vitest';
import { dualEngines } from '../store/dual-engine-fixture.js';
import type { RelationalStore } from '../store/relational-store.js';
import { EnrollmentService } from './service.js';

/**
 * An enrollment token's use limit on SQLite and on a real PostgreSQL, with enrollments arriving at
 * the same time through two collectors ("two collectors" on PostgreSQL are two pools on one
 * database; on SQLite the same file). A token for 3 machines enrolls 3, never more, and counts 3.
 */

const engines = dualEngines('enroll');

async function siteOf(store: RelationalStore): Promise<number> {
  const client = await store.kysely.insertInto('clients').values({ name: 'Acme', created_at: Date.now() }).returning('id').executeTakeFirstOrThrow();
  const site = await store.kysely
    .insertInto('sites')
    .values({ client_id: client.id, name: 'Paris', created_at: Date.now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return site.id;
}

describe.each(['sqlite', 'postgres'] as const)('enrollment token use limit on %s', (engine) => {
  test('12 simultaneous enrollments through two collectors on a token for 3: exactly 3 enrolled, the token counts 3, the others refused as used up', async () => {
    const [first, second] = (await engines.stores(`enroll_limit_${engine}`))[engine];
    const token = await new EnrollmentService(first).createToken(await siteOf(first), { maxUses: 3 });
    const services = [new EnrollmentService(first), new EnrollmentService(second)];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        services[i % 2]!.enroll({ token: token.token, hostname: `pc-${i}`, platform: 'linux', arch: 'x64', agentVersion: '1.0.0' }, '127.0.0.1'),
      ),
    );
    const enrolled = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(enrolled).toHaveLength(3);
    expect(refused).toHaveLength(9);
    for (const err of refused) expect((err as VigieError).code).toBe('VIGIE_E_ENROLL_TOKEN_EXHAUSTED');
    const row = await first.kysely.selectFrom('enrollment_tokens').select('uses').where('id', '=', token.id).executeTakeFirstOrThrow();
    expect(Number(row.uses)).toBe(3);
    const agents = await first.kysely
      .selectFrom('agents')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(agents.n)).toBe(3);
    // The refusal is the catalogue's error, not a database error.
    expect(refused[0]).toBeInstanceOf(VigieError);
  }, 60_000);
});
