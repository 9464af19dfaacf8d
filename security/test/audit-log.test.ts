import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditHash } from '../../collector/src/audit/chain.js';
import { staffSession, world } from './support/context.js';
import { ok } from './support/http.js';
import { Tally } from './support/tally.js';
import { COLLECTOR_BIN } from './support/world.js';

// The hash-chained audit log (issue 16) attacked by someone holding the database file: the store's
// triggers refuse edits and deletions on the live collector; on a copy (triggers dropped, as an
// attacker with the file would), `vigie-collector audit verify` finds every edited or deleted
// entry, a removed tail, and a chain recomputed from the edit on (the head file, kept outside the
// database, no longer matches).
const w = world();
const tally = new Tally('audit log');
const run = promisify(execFile);
let scratch: string;
afterAll(() => {
  tally.flush();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'vigie-sec-audit-'));
});

interface Verdict {
  ok: boolean;
  exit: number;
  problems: { id: number | null; problem: string }[];
  entries: number;
}

/** A copy of the live store as it is now (head file first: it then names an entry the copy holds). */
async function copyOfStore(name: string): Promise<string> {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  copyFileSync(join(w.dataDir, 'keys', 'audit-head.json'), join(dir, 'keys', 'audit-head.json'));
  const live = new Database(join(w.dataDir, 'vigie.db'), { readonly: true });
  try {
    await live.backup(join(dir, 'vigie.db'));
  } finally {
    live.close();
  }
  return dir;
}

/** `vigie-collector audit verify` on a data dir: its JSON verdict and exit code. */
async function verify(dir: string): Promise<Verdict> {
  const r = await run(process.execPath, [COLLECTOR_BIN, 'audit', 'verify', '--data-dir', dir, '--json'], { encoding: 'utf8' }).then(
    (o) => ({ stdout: o.stdout, exit: 0 }),
    (err: { stdout: string; code: number }) => ({ stdout: err.stdout, exit: err.code }),
  );
  return { ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<Verdict, 'exit'>), exit: r.exit };
}

/** Opens a copy as the attacker: the append-only triggers dropped. */
function tamper(dir: string, fn: (db: Database.Database) => void): void {
  const db = new Database(join(dir, 'vigie.db'));
  try {
    for (const t of ['audit_log_no_update', 'audit_log_no_delete', 'audit_log_chain']) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
    fn(db);
  } finally {
    db.close();
  }
}

type Row = {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  details: string | null;
  client_id: number | null;
  device_id: number | null;
  result: string | null;
};

describe('the audit log', () => {
  it('refuses edits and deletions on the live store', async () => {
    const db = new Database(join(w.dataDir, 'vigie.db'));
    try {
      db.pragma('busy_timeout = 5000');
      const last = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string };
      for (const [what, sql, args] of [
        ['an edit', 'UPDATE audit_log SET result = ? WHERE id = ?', ['ok', last.id]],
        ['a deletion', 'DELETE FROM audit_log WHERE id = ?', [last.id]],
        [
          'an entry off the chain',
          "INSERT INTO audit_log (at, actor, action, target, prev_hash, hash) VALUES (1, 'user:1', 'forged', 'x', ?, ?)",
          ['0'.repeat(64), 'f'.repeat(64)],
        ],
        ['an entry without a hash', "INSERT INTO audit_log (at, actor, action, target) VALUES (1, 'user:1', 'forged', 'x')", []],
      ] as const) {
        let refused = false;
        try {
          db.prepare(sql).run(...args);
        } catch (err) {
          refused = /VIGIE_IMMUTABLE/.test((err as Error).message);
        }
        tally.add(refused, `${what} on the live audit log went through`);
      }
    } finally {
      db.close();
    }
    // The live chain verifies (the control of the copies below).
    expect(ok(await staffSession('admin').get('/api/v1/audit/verify'), 'verify')).toMatchObject({ ok: true, problems: [] });
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('on a copy with the triggers dropped, audit verify finds every edit and deletion', async () => {
    const untouched = await verify(await copyOfStore('untouched'));
    // The control: an untouched copy verifies, and the log holds the suite's remote actions.
    expect(untouched).toMatchObject({ ok: true, exit: 0, problems: [] });
    const probe = new Database(join(await copyOfStore('probe'), 'vigie.db'), { readonly: true });
    const pick = (action: string) => probe.prepare('SELECT * FROM audit_log WHERE action = ? ORDER BY id LIMIT 1').get(action) as Row;
    const command = pick('command.create');
    const approval = pick('script.version.approve');
    const refusal = probe.prepare("SELECT * FROM audit_log WHERE result LIKE 'refused%' ORDER BY id LIMIT 1").get() as Row;
    probe.close();
    // The newest entry the head file (kept outside the database) names.
    const last = JSON.parse(readFileSync(join(w.dataDir, 'keys', 'audit-head.json'), 'utf8')) as { id: number };
    expect([command, approval, refusal].every(Boolean)).toBe(true);

    const cases: [string, number, (db: Database.Database) => void][] = [
      [
        'a command’s parameters edited',
        command.id,
        (db) => db.prepare('UPDATE audit_log SET details = ? WHERE id = ?').run('{"action":"log-fetch"}', command.id),
      ],
      ['a refusal turned into a success', refusal.id, (db) => db.prepare("UPDATE audit_log SET result = 'ok' WHERE id = ?").run(refusal.id)],
      ['who approved a script changed', approval.id, (db) => db.prepare("UPDATE audit_log SET actor = 'user:999' WHERE id = ?").run(approval.id)],
      ['an entry’s time changed', command.id, (db) => db.prepare('UPDATE audit_log SET at = at - 86400000 WHERE id = ?').run(command.id)],
      ['an entry moved to another client', command.id, (db) => db.prepare('UPDATE audit_log SET client_id = ? WHERE id = ?').run(w.globex.client, command.id)],
      ['an entry deleted', approval.id, (db) => db.prepare('DELETE FROM audit_log WHERE id = ?').run(approval.id)],
      ['the newest entries deleted', last.id, (db) => db.prepare('DELETE FROM audit_log WHERE id > ?').run(last.id - 3)],
      [
        'the newest entries deleted and the counter set back',
        last.id,
        (db) => {
          db.prepare('DELETE FROM audit_log WHERE id > ?').run(last.id - 3);
          db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit_log'").run(last.id - 3);
        },
      ],
      [
        'an entry edited and every hash after it recomputed',
        last.id,
        (db) => {
          db.prepare("UPDATE audit_log SET result = 'ok' WHERE id = ?").run(refusal.id);
          rechain(db, refusal.id);
        },
      ],
    ];
    for (const [i, [what, id, change]] of cases.entries()) {
      const dir = await copyOfStore(`case-${i}`);
      tamper(dir, change);
      const v = await verify(dir);
      // The entry is named: as edited or unlinked, or (for a removed tail) as missing against the counter or the head file.
      const named = v.problems.some((p) => p.id === id || (p.id !== null && p.id >= id - 3 && /removed|head file/.test(p.problem)));
      tally.add(!v.ok && v.exit === 1 && named, `${what} (entry ${id}) not found: ${JSON.stringify(v).slice(0, 300)}`);
    }
    // The recomputed chain is consistent in itself: only the head file, outside the database, gives it away.
    const forged = await copyOfStore('forged');
    tamper(forged, (db) => {
      db.prepare("UPDATE audit_log SET result = 'ok' WHERE id = ?").run(refusal.id);
      rechain(db, refusal.id);
    });
    expect((await verify(forged)).problems.map((p) => p.problem)).toEqual([expect.stringMatching(/head file names entry/)]);
    expect(tally.takeLetThrough()).toEqual([]);
  });
});

/** What a forger who knows the chain's recipe (it is public: collector/src/audit/chain.ts) does after an edit: every hash from there recomputed. */
function rechain(db: Database.Database, fromId: number): void {
  let prev = (db.prepare('SELECT hash FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT 1').get(fromId) as { hash: string }).hash;
  const update = db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?');
  for (const r of db.prepare('SELECT * FROM audit_log WHERE id >= ? ORDER BY id').all(fromId) as Row[]) {
    const hash = auditHash(prev, {
      at: r.at,
      actor: r.actor,
      action: r.action,
      target: r.target,
      details: r.details,
      clientId: r.client_id,
      deviceId: r.device_id,
      result: r.result,
    });
    update.run(prev, hash, r.id);
    prev = hash;
  }
}
