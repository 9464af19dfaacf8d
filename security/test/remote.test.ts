import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffSession, world } from './support/context.js';
import { type Answer, ok, type Session, signIn } from './support/http.js';
import { HARMLESS_SCRIPT, LOG_FETCH } from './support/remote-world.js';
import { signInStaff, stepUp } from './support/staff.js';
import { Tally } from './support/tally.js';
import { freshCode } from './support/totp.js';
import { GLOBEX_MARKER, type TenantIds } from './support/world.js';

// Remote intervention attacked (issue 16): a script, a reboot or an approval without a fresh TOTP
// of this very session (none, another session's, a replayed code, an expired step-up); commands
// on a client the technician has no `remote` permission for, by every target kind; approvals by
// anyone but an admin, and versions no admin approved; a client reading another client's remote
// actions. The agents' local ceiling is `off` (world.ts): what is let through here would still be
// refused on the machine — the collector's own refusals are what each case checks.
const w = world();
const tally = new Tally('remote intervention');
let remote: Session;
let tech: Session;
let client: Session;
afterAll(() => tally.flush());

beforeAll(async () => {
  remote = staffSession('remote');
  tech = await signIn(w.url, w.emails.tech, w.password);
  client = await signIn(w.url, w.emails.acme, w.password);
});

const REBOOT = { delayMin: 60, message: 'suite de sécurité' };
type Kind = 'device' | 'site' | 'client';
const target = (ids: TenantIds, kind: Kind) => ({ kind, id: ids[kind] });
const run = (ids: TenantIds, kind: Kind, action: string, extra: Record<string, unknown> = {}) => ({ target: target(ids, kind), action, ...extra });
/** Every action on a client's machines, as a technician would send it. */
const everyAction = (ids: TenantIds, kind: Kind) => [
  run(ids, kind, 'script', { scriptVersionId: w.script.approved }),
  run(ids, kind, 'reboot', { args: REBOOT }),
  run(ids, kind, 'service-restart', { args: { service: 'cron' } }),
  run(ids, kind, 'process-kill', { args: { pid: 999_999, force: false } }),
  run(ids, kind, 'log-fetch', { args: LOG_FETCH }),
];
const refusedWith = (res: Answer, code: string) => res.status === 403 && res.body?.error?.code === code;
const said = (res: Answer) => `${res.status} ${res.text.slice(0, 160)}`;
const sessionHash = (s: Session) => createHash('sha256').update(s.cookie.slice('vigie_session='.length)).digest('hex');

/** Two sessions of the admin: `a` never stepped up, `b` stepped up with `bCode` (each code costs a time step: reused). */
let a: Session;
let b: Session;
let bCode: string;
/** The remote technician's step-up, renewed when less than a minute of it is left. */
let remoteSteppedUpUntil = 0;
const remoteSteppedUp = async () => {
  if (remoteSteppedUpUntil - Date.now() < 60_000) remoteSteppedUpUntil = await stepUp(remote, w.totp.remote);
};

describe('step-up: scripts, reboots and approvals need a fresh TOTP of this very session', () => {
  beforeAll(async () => {
    a = await signInStaff(w.url, w.emails.admin, w.password, w.totp.admin);
    b = await signInStaff(w.url, w.emails.admin, w.password, w.totp.admin);
    bCode = await freshCode(w.totp.admin.secret);
    ok(await b.post('/api/v1/auth/step-up', { code: bCode }), 'step-up of b');
  });

  it('refuses them to a session without one, while another session of the same admin has one', async () => {
    const attempts: [string, string, unknown][] = [
      ...(['device', 'site', 'client'] as const).flatMap((kind) => [
        ['POST', '/api/v1/commands', run(w.acme, kind, 'script', { scriptVersionId: w.script.approved })] as [string, string, unknown],
        ['POST', '/api/v1/commands', run(w.acme, kind, 'reboot', { args: REBOOT })] as [string, string, unknown],
      ]),
      ['POST', `/api/v1/script-versions/${w.script.draft}/approve`, {}],
      ['POST', '/api/v1/remote/key/rotate', {}],
      ['POST', `/api/v1/users/${w.remoteTechId}/totp/reset`, {}],
    ];
    for (const [method, path, body] of attempts) {
      const res = await a.call(method, path, { body });
      tally.add(refusedWith(res, 'VIGIE_E_STEP_UP_REQUIRED'), `admin without step-up ${method} ${path} ${JSON.stringify(body).slice(0, 80)} → ${said(res)}`);
    }
    // The other session's step-up, claimed by sending its CSRF token along: no.
    const borrowed = await a.call('POST', '/api/v1/commands', { body: run(w.acme, 'device', 'reboot', { args: REBOOT }), headers: { 'x-csrf-token': b.csrf } });
    tally.add(borrowed.status === 403, `a session with another session's CSRF token → ${said(borrowed)}`);
    // The control: the stepped-up session is allowed the same script run.
    expect((await b.post('/api/v1/commands', run(w.acme, 'device', 'script', { scriptVersionId: w.script.approved }))).status).toBe(201);
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('refuses a step-up with a code already used, a recovery code, a malformed or another user’s code, and one that expired', async () => {
    const code = bCode;
    const remoteCode = await freshCode(w.totp.remote.secret);
    for (const [what, body] of [
      ['the code another session just used', { code }],
      ['a recovery code', { code: w.totp.admin.recoveryCodes[0] }],
      ['a recovery code without its dashes', { code: w.totp.admin.recoveryCodes[0]!.replace(/-/g, '') }],
      ['another user’s code', { code: remoteCode }],
      ['seven digits', { code: '1234567' }],
      ['no code', {}],
    ] as const) {
      const res = await a.post('/api/v1/auth/step-up', body);
      tally.add(res.status === 400 || res.status === 403, `step-up with ${what} → ${said(res)}`);
    }
    const still = await a.post('/api/v1/commands', run(w.acme, 'device', 'reboot', { args: REBOOT }));
    tally.add(refusedWith(still, 'VIGIE_E_STEP_UP_REQUIRED'), `reboot after refused step-ups → ${said(still)}`);
    // A step-up older than 5 minutes (aged in the store, as time would): refused again.
    const db = new Database(join(w.dataDir, 'vigie.db'));
    try {
      db.pragma('busy_timeout = 5000');
      expect(db.prepare('UPDATE session_step_ups SET at = at - 301000 WHERE session_id_hash = ?').run(sessionHash(b)).changes).toBe(1);
    } finally {
      db.close();
    }
    const expired = await b.post('/api/v1/commands', run(w.acme, 'device', 'script', { scriptVersionId: w.script.approved }));
    tally.add(refusedWith(expired, 'VIGIE_E_STEP_UP_REQUIRED'), `script after the step-up expired → ${said(expired)}`);
    expect(tally.takeLetThrough()).toEqual([]);
  });
});

describe('the remote permission, per client', () => {
  it('refuses every action on another client’s machines to a technician allowed on one client only, by every target kind', async () => {
    await remoteSteppedUp();
    for (const kind of ['device', 'site', 'client'] as const) {
      for (const body of everyAction(w.globex, kind)) {
        const res = await remote.post('/api/v1/commands', body);
        tally.add(refusedWith(res, 'VIGIE_E_REMOTE_PERMISSION_REQUIRED'), `technician (Acme only) ${JSON.stringify(body).slice(0, 100)} → ${said(res)}`);
      }
    }
    // A saved selection mixing both clients' machines: the whole run is refused.
    const selection = ok<{ id: number }>(
      await remote.post('/api/v1/device-selections', { name: 'mélange', deviceIds: [w.acme.device, w.globex.device] }),
      'selection',
    );
    const mixed = await remote.post('/api/v1/commands', { target: { kind: 'selection', id: selection.id }, action: 'log-fetch', args: LOG_FETCH });
    tally.add(refusedWith(mixed, 'VIGIE_E_REMOTE_PERMISSION_REQUIRED'), `a selection with a Globex machine → ${said(mixed)}`);
    // Globex's ticket, remote session and command.
    for (const [path, body] of [
      [`/api/v1/tickets/${w.globex.ticket}/remote-sessions`, { deviceId: w.globex.device }],
      [`/api/v1/remote-sessions/${w.globex.remoteSession}/end`, {}],
      [`/api/v1/remote-sessions/${w.globex.remoteSession}/confirm`, { notes: 'attaque' }],
      [`/api/v1/remote-sessions/${w.globex.remoteSession}/discard`, {}],
      [`/api/v1/commands/${w.globex.command}/cancel`, {}],
    ] as const) {
      const res = await remote.post(path, body);
      tally.add(res.status === 403, `technician (Acme only) POST ${path} → ${said(res)}`);
    }
    // The control: the same technician acts on Acme's machine.
    expect((await remote.post('/api/v1/commands', run(w.acme, 'device', 'log-fetch', { args: LOG_FETCH }))).status).toBe(201);
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('refuses every action to a technician without the permission, on any client', async () => {
    for (const ids of [w.acme, w.globex])
      for (const kind of ['device', 'site', 'client'] as const)
        for (const body of everyAction(ids, kind)) {
          const res = await tech.post('/api/v1/commands', body);
          tally.add(
            refusedWith(res, 'VIGIE_E_REMOTE_PERMISSION_REQUIRED'),
            `technician without permission ${JSON.stringify(body).slice(0, 100)} → ${said(res)}`,
          );
        }
    // Nor can it give itself the permission, or skip the second factor the permission brings.
    const grant = await tech.put(`/api/v1/users/${w.techId}/remote-permissions`, { clientIds: [w.acme.client] });
    tally.add(grant.status === 403, `technician grants itself the permission → ${said(grant)}`);
    expect(tally.takeLetThrough()).toEqual([]);
  });
});

describe('script approval', () => {
  it('is an admin’s only; a version no admin approved never runs, nor can a policy name it', async () => {
    await remoteSteppedUp();
    // The admin's session whose step-up expired above, stepped up again.
    const admin = b;
    await stepUp(admin, w.totp.admin);
    for (const [who, s] of [
      ['technician with the remote permission, stepped up', remote],
      ['technician', tech],
      ['client user', client],
    ] as const) {
      const res = await s.post(`/api/v1/script-versions/${w.script.draft}/approve`);
      tally.add(res.status === 403, `${who} approves a script → ${said(res)}`);
    }
    // A new version of the approved script, by a technician: it does not inherit the approval.
    const v3 = ok<{ id: number; sha256: string; approvedAt: number | null }>(
      await remote.post(`/api/v1/scripts/${w.script.id}/versions`, { ...HARMLESS_SCRIPT, content: 'df -h /var\n' }),
      'version 3',
    );
    tally.add(v3.approvedAt === null, `a technician's new version came approved: ${JSON.stringify(v3)}`);
    const draftSha = (
      ok<{ scripts: { versions: { id: number; sha256: string }[] }[] }>(await admin.get('/api/v1/scripts'), 'scripts')
        .scripts.flatMap((x) => x.versions)
        .find((v) => v.id === w.script.draft) as { sha256: string }
    ).sha256;
    for (const [version, sha] of [
      [w.script.draft, draftSha],
      [v3.id, v3.sha256],
    ] as const) {
      for (const s of [admin, remote]) {
        const res = await s.post('/api/v1/commands', run(w.acme, 'device', 'script', { scriptVersionId: version }));
        tally.add(
          res.status === 409 && res.body?.error?.code === 'VIGIE_E_SCRIPT_NOT_APPROVED',
          `${s.email} runs unapproved version ${version} → ${said(res)}`,
        );
      }
      const policy = await admin.put(`/api/v1/policies/device/${w.acme.device}`, {
        probes: { backup: { targets: [{ kind: 'command', name: 'contrôle', script: sha }] } },
      });
      tally.add(
        policy.status >= 400 && policy.body?.error?.code === 'VIGIE_E_SCRIPT_NOT_APPROVED',
        `a policy names unapproved version ${version} → ${said(policy)}`,
      );
    }
    // Nothing was approved by all this; the control: an admin's approval of v3 goes through.
    const versions = ok<{ scripts: { versions: { id: number; approvedAt: number | null }[] }[] }>(
      await admin.get('/api/v1/scripts'),
      'scripts',
    ).scripts.flatMap((x) => x.versions);
    expect(versions.find((v) => v.id === w.script.draft)?.approvedAt).toBeNull();
    expect((await admin.post(`/api/v1/script-versions/${v3.id}/approve`)).status).toBe(200);
    expect(tally.takeLetThrough()).toEqual([]);
  });
});

describe('the client portal’s remote actions', () => {
  it('shows a client its own machines’ actions without their parameters, and nothing of another client’s', async () => {
    const own = ok<{ commands: Record<string, unknown>[] }>(await client.get(`/api/v1/clients/${w.acme.client}/remote-actions`), 'own actions').commands;
    const ofDevice = ok<{ commands: Record<string, unknown>[] }>(await client.get(`/api/v1/devices/${w.acme.device}/commands`), 'device actions').commands;
    // The control: its own command is there, as the portal shows it (and staff see its parameters).
    expect(own.map((c) => c.id)).toContain(w.acme.command);
    expect(ofDevice.map((c) => c.id)).toContain(w.acme.command);
    expect(ok(await staffSession('admin').get(`/api/v1/devices/${w.acme.device}/commands`), 'staff view').commands[0]).toHaveProperty('args');
    for (const [where, list] of [
      ['remote actions', own],
      ['device commands', ofDevice],
    ] as const)
      tally.add(
        list.every((c) => !('args' in c)),
        `parameters shown to the client in its ${where}: ${JSON.stringify(list.find((c) => 'args' in c))}`,
      );
    const globexIds = new RegExp(`${w.globex.command}|${GLOBEX_MARKER}`);
    tally.add(!globexIds.test(JSON.stringify(own)), 'Globex in Acme’s remote actions');
    for (const path of [
      `/api/v1/clients/${w.globex.client}/remote-actions`,
      `/api/v1/devices/${w.globex.device}/commands`,
      `/api/v1/tickets/${w.globex.ticket}/remote-sessions`,
      `/api/v1/commands/${w.globex.command}`,
      `/api/v1/commands?clientId=${w.globex.client}`,
      `/api/v1/commands?deviceId=${w.globex.device}`,
      `/api/v1/audit?clientId=${w.globex.client}`,
    ]) {
      const res = await client.get(path);
      tally.add(res.status >= 400 && !globexIds.test(res.text), `Acme's user GET ${path} → ${said(res)}`);
    }
    expect(tally.takeLetThrough()).toEqual([]);
  });
});
