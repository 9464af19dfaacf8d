import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { join } from 'node:path';
import { canonicalJson } from '@vigie/shared';
import { waitFor } from '@vigie/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffSession, world } from './support/context.js';
import { ok, type Session } from './support/http.js';
import { LOG_FETCH } from './support/remote-world.js';
import { Tally } from './support/tally.js';

// The collector's database stolen (a backup, a SQL injection) without its key file (issue 16's
// trust model): the thief writes command rows that the real collector then delivers, exactly as
// stored, to the real Acme agent — forged, re-addressed, extended, altered, copied envelopes. The
// agent must refuse each with the reason of the check that caught it. Its local ceiling is off
// (world.ts), and the ceiling is checked after the signature, the device, the validity window, the
// nonce and the command id: a genuine envelope is refused for the ceiling only (the control), so a
// forged one refused for another reason was stopped by that check, not by the ceiling.
const w = world();
const tally = new Tally('stolen database');
let admin: Session;
let db: Database.Database;
beforeAll(() => {
  admin = staffSession('admin');
  db = new Database(join(w.dataDir, 'vigie.db'));
  db.pragma('busy_timeout = 5000');
});
afterAll(() => {
  db?.close();
  tally.flush();
});

type CommandRow = Record<string, unknown> & { id: string; envelope: string; signature: string; key_id: string };
const row = (id: string) => db.prepare('SELECT * FROM commands WHERE id = ?').get(id) as CommandRow;
const envelopeOf = (r: CommandRow) => JSON.parse(Buffer.from(r.envelope, 'base64url').toString('utf8')) as Record<string, unknown>;
const encode = (env: Record<string, unknown>) => Buffer.from(canonicalJson(env), 'utf8');
const newId = () => `cmd_stolen${randomBytes(8).toString('hex')}`;

/** A queued command written straight into the store (a copy of `from` with the thief's changes). */
function insertCommand(from: CommandRow, over: Record<string, unknown>): string {
  const r: Record<string, unknown> = {
    ...from,
    id: newId(),
    run_id: null,
    state: 'queued',
    created_at: Date.now(),
    sent_at: null,
    acked_at: null,
    finished_at: null,
    error_code: null,
    error_message: null,
    ...over,
  };
  const cols = Object.keys(r);
  db.prepare(`INSERT INTO commands (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => r[c]));
  return r.id as string;
}

/** A log fetch on Acme's machine through the API: refused by its ceiling, and it makes the collector deliver whatever is queued. */
async function logFetchOnAcme(): Promise<string> {
  const created = ok<{ commands: { id: string }[] }>(
    await admin.post('/api/v1/commands', { target: { kind: 'device', id: w.acme.device }, action: 'log-fetch', args: LOG_FETCH }),
    'log fetch',
  );
  return created.commands[0]!.id;
}

/** How the agent answered a command (through the collector's record of it), once it answered. */
async function answerTo(id: string): Promise<{ state: string; code: string | undefined }> {
  return waitFor(`the agent's answer to ${id}`, async () => {
    const c = ok<{ state: string; error: { code: string } | null }>(await admin.get(`/api/v1/commands/${id}`), id);
    return c.state !== 'queued' && c.state !== 'sent' && { state: c.state, code: c.error?.code };
  });
}

describe('a stolen database makes the collector deliver envelopes it did not sign', () => {
  it('the agent refuses each, for the check that caught it, and every refusal is in the audit log', async () => {
    // The control: a genuine envelope passes every check up to the ceiling, which is off.
    const genuineId = await logFetchOnAcme();
    expect(await answerTo(genuineId)).toEqual({ state: 'refused', code: 'VIGIE_E_REMOTE_CEILING' });
    const genuine = row(genuineId);
    const env = envelopeOf(genuine);
    const thief = generateKeyPairSync('ed25519');
    const thiefKeyId = createHash('sha256')
      .update(thief.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32))
      .digest('hex')
      .slice(0, 16);
    const later = Date.now() + 3_600_000;
    /** The genuine bytes with a change, the genuine signature kept. */
    const altered = (change: Record<string, unknown>) => ({ envelope: encode({ ...env, ...change }).toString('base64url') });
    /** Bytes the thief signs with a key of its own. */
    const forged = (e: Record<string, unknown>) => {
      const bytes = encode(e);
      return { envelope: bytes.toString('base64url'), signature: sign(null, bytes, thief.privateKey).toString('base64url') };
    };
    const id = newId();
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'a new envelope signed with the thief’s key, under the provider’s key id',
        { id, ...forged({ ...env, commandId: id, nonce: randomBytes(16).toString('hex'), issuedAt: Date.now(), expiresAt: later }) },
        'VIGIE_E_REMOTE_BAD_SIGNATURE',
      ],
      [
        'the same, naming the thief’s own key',
        (() => {
          const own = newId();
          return { id: own, key_id: thiefKeyId, ...forged({ ...env, keyId: thiefKeyId, commandId: own, nonce: randomBytes(16).toString('hex') }) };
        })(),
        'VIGIE_E_REMOTE_UNKNOWN_KEY',
      ],
      [
        'the genuine envelope’s expiry pushed back a month',
        altered({ expiresAt: (env.expiresAt as number) + 30 * 86_400_000 }),
        'VIGIE_E_REMOTE_BAD_SIGNATURE',
      ],
      ['the genuine log fetch pointed at /etc/shadow', altered({ args: { ...(env.args as object), path: '/etc/shadow' } }), 'VIGIE_E_REMOTE_BAD_SIGNATURE'],
      ['the genuine log fetch turned into a reboot', altered({ action: 'reboot', args: { delayMin: 60, message: 'x' } }), 'VIGIE_E_REMOTE_BAD_SIGNATURE'],
      ['the genuine envelope queued again under another command id', {}, 'VIGIE_E_REMOTE_ID_MISMATCH'],
      [
        'Globex’s envelope re-addressed to Acme’s agent',
        (() => {
          const globex = row(w.globex.command);
          return { envelope: globex.envelope, signature: globex.signature, key_id: globex.key_id, nonce: globex.nonce };
        })(),
        'VIGIE_E_REMOTE_WRONG_DEVICE',
      ],
    ];
    const written = cases.map(([what, over, expected]) => ({ what, expected, id: insertCommand(genuine, over) }));
    // Delivered with the next command the API queues for Acme's agent.
    await logFetchOnAcme();
    for (const c of written) {
      const answer = await answerTo(c.id);
      tally.add(answer.state === 'refused' && answer.code === c.expected, `${c.what}: ${JSON.stringify(answer)}`);
    }
    const refusals = ok<{ entries: { target: string; result: string | null }[] }>(
      await admin.get('/api/v1/audit?action=command.refused&limit=1000'),
      'audit',
    ).entries;
    for (const c of written)
      tally.add(
        refusals.some((e) => e.target === `command:${c.id}` && e.result === `refused: ${c.expected}`),
        `${c.what}: no refusal for ${c.expected} in the audit log`,
      );
    expect(tally.takeLetThrough()).toEqual([]);
  });
});
