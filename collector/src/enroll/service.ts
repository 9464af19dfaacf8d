import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type EnrollRequest, type EnrollResponse, VigieError } from '@vigie/shared';
import { audit } from '../audit/repository.js';
import { hashAgentSecret } from '../ingest/agent-auth.js';
import type { RelationalStore } from '../store/relational-store.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const DAY = 86_400_000;

export interface NewToken {
  id: number;
  token: string;
  siteId: number;
  expiresAt: number;
  maxUses: number;
}

/** Enrollment tokens (per site, expiring, limited in uses, revocable) and their exchange for an agent credential. */
export class EnrollmentService {
  constructor(
    private readonly db: RelationalStore,
    /** The provider's command-signing key, handed to each new agent to pin (remote intervention). */
    private readonly commandKey?: () => { keyId: string; publicKey: string },
  ) {}

  async createToken(siteId: number, opts: { label?: string; maxUses?: number; ttlMs?: number; createdBy?: number | null } = {}): Promise<NewToken> {
    const token = `vgt_${randomBytes(24).toString('base64url')}`;
    const now = Date.now();
    const expiresAt = now + (opts.ttlMs ?? 7 * DAY);
    const maxUses = opts.maxUses ?? 25;
    const row = await this.db.kysely
      .insertInto('enrollment_tokens')
      .values({
        site_id: siteId,
        token_hash: sha256(token),
        label: opts.label ?? '',
        expires_at: expiresAt,
        max_uses: maxUses,
        uses: 0,
        created_by: opts.createdBy ?? null,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, token, siteId, expiresAt, maxUses };
  }

  async listTokens(siteId: number) {
    return this.db.kysely
      .selectFrom('enrollment_tokens')
      .select(['id', 'site_id', 'label', 'expires_at', 'max_uses', 'uses', 'revoked_at', 'created_at'])
      .where('site_id', '=', siteId)
      .orderBy('id', 'desc')
      .execute();
  }

  async getToken(id: number) {
    return this.db.kysely.selectFrom('enrollment_tokens').select(['id', 'site_id', 'revoked_at']).where('id', '=', id).executeTakeFirst();
  }

  async revokeToken(id: number): Promise<void> {
    await this.db.kysely.updateTable('enrollment_tokens').set({ revoked_at: Date.now() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  /**
   * Exchanges a valid token for a new device and its agent credential. The secret is returned once
   * and only its hash is stored. The token's use is counted in the same transaction.
   */
  async enroll(req: EnrollRequest, ip: string): Promise<EnrollResponse & { siteId: number }> {
    const now = Date.now();
    const agentId = randomUUID().replaceAll('-', '');
    const secret = randomBytes(32).toString('base64url');
    const result = await this.db.kysely.transaction().execute(async (trx) => {
      const tok = await trx
        .selectFrom('enrollment_tokens as t')
        .innerJoin('sites as s', 's.id', 't.site_id')
        .select(['t.id', 't.site_id', 't.expires_at', 't.max_uses', 't.uses', 't.revoked_at', 's.client_id'])
        .where('t.token_hash', '=', sha256(req.token))
        .executeTakeFirst();
      if (!tok) throw new VigieError('ENROLL_TOKEN_INVALID');
      if (tok.revoked_at !== null) throw new VigieError('ENROLL_TOKEN_REVOKED');
      if (tok.expires_at <= now) throw new VigieError('ENROLL_TOKEN_EXPIRED');
      if (tok.uses >= tok.max_uses) throw new VigieError('ENROLL_TOKEN_EXHAUSTED');
      // The use is claimed in the database, not from the count read above: on PostgreSQL two
      // enrollments read the same count at once (READ COMMITTED), and writing back count + 1 let a
      // token for 3 machines enroll 12. The guarded increment waits for the other's commit and
      // re-checks the limit. First, before the device is inserted: enrollments with one token take
      // turns from here, so their device ids follow their commit order (the site's role goes to its
      // first enrolled device: a later id committed first took the role, then lost it unannounced).
      const claimed = await trx
        .updateTable('enrollment_tokens')
        .set((eb) => ({ uses: eb('uses', '+', 1) }))
        .where('id', '=', tok.id)
        .where((eb) => eb('uses', '<', eb.ref('max_uses')))
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) {
        const current = await trx.selectFrom('enrollment_tokens').select('revoked_at').where('id', '=', tok.id).executeTakeFirstOrThrow();
        throw new VigieError(current.revoked_at !== null ? 'ENROLL_TOKEN_REVOKED' : 'ENROLL_TOKEN_EXHAUSTED');
      }
      const device = await trx
        .insertInto('devices')
        .values({
          site_id: tok.site_id,
          client_id: tok.client_id,
          kind: 'agent',
          hostname: req.hostname,
          platform: req.platform,
          arch: req.arch,
          os_name: null,
          serial: req.serial ?? null,
          machine_uuid: req.machineUuid ?? null,
          inventory_hash: null,
          created_at: now,
          last_seen_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('agents')
        .values({
          id: agentId,
          device_id: device.id,
          secret_hash: hashAgentSecret(secret),
          enrollment_token_id: tok.id,
          agent_version: req.agentVersion,
          created_at: now,
          revoked_at: null,
          last_seq: 0,
          last_seen_at: null,
        })
        .execute();
      return { deviceId: device.id, tokenId: tok.id, siteId: tok.site_id };
    });
    await audit(this.db, `enrollment-token:${result.tokenId}`, 'agent.enroll', `device:${result.deviceId}`, { agentId, hostname: req.hostname, ip });
    const key = this.commandKey?.();
    return {
      agentId,
      secret,
      deviceId: result.deviceId,
      siteId: result.siteId,
      ...(key ? { commandKey: { keyId: key.keyId, publicKey: key.publicKey } } : {}),
    };
  }

  async revokeAgentOfDevice(deviceId: number): Promise<string | undefined> {
    const row = await this.db.kysely.selectFrom('agents').select('id').where('device_id', '=', deviceId).executeTakeFirst();
    if (!row) return undefined;
    await this.db.kysely.updateTable('agents').set({ revoked_at: Date.now() }).where('id', '=', row.id).execute();
    return row.id;
  }
}
