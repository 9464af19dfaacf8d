import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parisDate } from '@vigie/shared';
import { freePort, TEST_PRICE_GRID as GRID, type Proc, startProcess, waitFor } from '@vigie/testkit';
import { call, credentialsOf, ok, type Session, type SessionCredentials, signIn } from './http.js';
import { seedRemote, seedRemoteOfTenant } from './remote-world.js';
import { enrolStaff, type SecondFactorSeed } from './staff.js';

const run = promisify(execFile);
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const COLLECTOR_BIN = join(ROOT, 'collector', 'bin', 'vigie-collector.mjs');
export const AGENT_BIN = join(ROOT, 'agent', 'bin', 'vigie-agent.mjs');
export const PASSWORD = 'suite-de-sécurité-mot-de-passe';
/** Written into Globex's data: an Acme user who ever reads it has read another client's data. */
export const GLOBEX_MARKER = 'GLOBEX-SECRET';

/** Every object of one client the suite seeds, by kind: the ids another client's user attacks with. */
export interface TenantIds {
  client: number;
  site: number;
  device: number;
  user: number;
  ticket: number;
  intervention: number;
  order: number;
  pickup: number;
  recurring: number;
  occurrence: number;
  invoice: number;
  dispute: number;
  report: number;
  reportJob: number;
  enrollmentToken: number;
  /** A file attached to the client's ticket (issue 18, point 5). */
  attachment: number;
  /** An open incident on the client's device, from the world's always-firing threshold rule. */
  incident: number;
  /** The month of the client's report, whose technician's comment the routes name. */
  reportMonth: string;
  /** A command on the client's device (a log fetch its agent refused: every agent's ceiling is off). */
  command: string;
  /** A remote session started from the client's ticket, ended, not confirmed. */
  remoteSession: number;
  /** Provider-wide, the same for both clients: the library script, and its version no admin approved. */
  script: number;
  scriptVersion: number;
}

export interface World {
  url: string;
  dataDir: string;
  password: string;
  /** `tech` has no remote permission (no TOTP needed); `remote` may act on Acme's machines only (TOTP enrolled). */
  emails: { admin: string; tech: string; remote: string; acme: string; globex: string };
  adminId: number;
  techId: number;
  remoteTechId: number;
  /** The second factors of the staff who enrolled (the admin, the remote technician), through the HTTP API. */
  totp: { admin: SecondFactorSeed; remote: SecondFactorSeed };
  /** Signed-in sessions to reuse (each new sign-in costs a one-time code): not stepped up, not to be ended. */
  sessions: { admin: SessionCredentials; remote: SessionCredentials };
  /** A library script: `approved` may run, `draft` (its next version) was never approved. */
  script: { id: number; approved: number; draft: number };
  /** The agents' local ceiling of remote intervention: `off`, whatever reaches them. */
  ceilingFile: string;
  acme: TenantIds;
  globex: TenantIds;
  month: string;
  agents: { acme: string; globex: string };
  /** Where a borg `--rsh` that ran would leave its trace. */
  injectionMarker: string;
}

const cliJson = async (args: string[]) => {
  const { stdout } = await run(process.execPath, [COLLECTOR_BIN, ...args, '--json'], { encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').pop()!);
};

function previousMonth(): string {
  const [y, m] = parisDate(Date.now()).split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/**
 * One real collector (`serve --workers 2`, behind --trust-proxy 127.0.0.1, serving the built
 * dashboard), two clients with a user each, a technician and an admin, a real agent process per
 * client, and every kind of object the API names by id, for each client.
 */
export async function startWorld(): Promise<{ world: World; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-sec-'));
  const dataDir = join(dir, 'collector');
  const common = ['--data-dir', dataDir];
  const procs: Proc[] = [];
  const stop = async () => {
    for (const p of procs.reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const emails = { admin: 'admin@vigie.test', tech: 'tech@vigie.test', remote: 'intervenant@vigie.test', acme: 'dsi@acme.test', globex: 'it@globex.test' };
    const acmeClient = await cliJson(['client', 'create', '--name', 'Acme SARL', ...common]);
    const globexClient = await cliJson(['client', 'create', '--name', `Globex SAS ${GLOBEX_MARKER}`, ...common]);
    const acmeSite = await cliJson(['site', 'create', '--client', String(acmeClient.id), '--name', 'Siège Lyon', ...common]);
    const globexSite = await cliJson(['site', 'create', '--client', String(globexClient.id), '--name', `Paris ${GLOBEX_MARKER}`, ...common]);
    const user = (email: string, role: string, client?: number) =>
      cliJson([
        'user',
        'create',
        '--email',
        email,
        '--role',
        role,
        '--password',
        PASSWORD,
        '--name',
        email,
        ...(client ? ['--client', String(client)] : []),
        ...common,
      ]);
    const adminId = (await user(emails.admin, 'admin')).id as number;
    const techId = (await user(emails.tech, 'technician')).id as number;
    const remoteTechId = (await user(emails.remote, 'technician')).id as number;
    const acmeUser = (await user(emails.acme, 'client', acmeClient.id)).id as number;
    const globexUser = (await user(emails.globex, 'client', globexClient.id)).id as number;
    const acmeToken = await cliJson(['token', 'create', '--site', String(acmeSite.id), '--uses', '5', ...common]);
    const globexToken = await cliJson(['token', 'create', '--site', String(globexSite.id), '--uses', '5', ...common]);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const collector = startProcess(process.execPath, [
      COLLECTOR_BIN,
      'serve',
      '--port',
      String(port),
      '--workers',
      '2',
      '--trust-proxy',
      '127.0.0.1',
      '--dashboard-dir',
      join(ROOT, 'dashboard', 'dist'),
      '--metrics-interval',
      '5',
      '--report-schedule',
      'off',
      '--log-level',
      'warn',
      ...common,
    ]);
    procs.push(collector);
    await waitFor('collector up', async () => (await call(url, 'GET', '/healthz')).status === 200, 60_000);
    // Both workers listening (each answers /metrics for itself): the attacks must meet both.
    const seen = new Set<string>();
    await waitFor(
      'both collector workers up',
      async () => {
        const text = await new Promise<string>((resolve, reject) =>
          get(`${url}/metrics`, { agent: false }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve(body));
          }).on('error', reject),
        );
        seen.add(/worker="(\d+)"/.exec(text)?.[1] ?? '?');
        return seen.has('1') && seen.has('2');
      },
      60_000,
      50,
    );

    // Real agents, one per client. BORG_REPO is what makes a borg `--rsh=…` run a program (see option-injection).
    const injectionMarker = join(dir, 'borg-rsh-ran');
    const agentEnv = {
      ...process.env,
      BORG_REPO: 'ssh://vigie@127.0.0.1/./repo',
      BORG_BASE_DIR: join(dir, 'borg-home'),
      RESTIC_CACHE_DIR: join(dir, 'restic-cache'),
    };
    // Remote intervention's local ceiling: off. The suite sends commands on purpose (and a reboot let
    // through by a hole must not reboot this machine); the collector's refusals are what it tests.
    const ceilingFile = join(dir, 'remote-ceiling.conf');
    await run(process.execPath, [AGENT_BIN, 'remote-ceiling', 'off', '--ceiling-file', ceilingFile]);
    const enroll = async (name: string, token: string) => {
      const stateDir = join(dir, `agent-${name}`);
      mkdirSync(stateDir, { recursive: true });
      const { stdout } = await run(process.execPath, [AGENT_BIN, 'enroll', '--url', url, '--state-dir', stateDir], {
        encoding: 'utf8',
        env: { ...agentEnv, VIGIE_ENROLL_TOKEN: token },
      });
      const deviceId = Number(/device (\d+)/.exec(stdout)?.[1]);
      procs.push(startProcess(process.execPath, [AGENT_BIN, 'run', '--state-dir', stateDir, '--ceiling-file', ceilingFile, '--log-level', 'info'], agentEnv));
      return { stateDir, deviceId };
    };
    const acmeAgent = await enroll('acme', acmeToken.token);
    const globexAgent = await enroll('globex', globexToken.token);

    // Admins must have a second factor: the first sign-in enrols it, as in the dashboard.
    const adminEnrolled = await enrolStaff(url, emails.admin, PASSWORD);
    const admin = adminEnrolled.session;
    const tech = await signIn(url, emails.tech, PASSWORD);
    const month = previousMonth();
    ok(
      await admin.put('/api/v1/billing/settings', {
        seller: {
          name: 'Sibio Infogérance',
          legalForm: 'SARL au capital de 20 000 €',
          address: ['12 rue des Lilas', '69003 Lyon'],
          siren: '812345678',
          siret: '81234567800021',
          vatNumber: 'FR45812345678',
          email: 'facturation@sibio.test',
        },
        bank: { iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' },
      }),
      'billing settings',
    );
    await waitFor('agents connected', async () => {
      const devices = ok<{ devices: { id: number; connected: boolean }[] }>(await admin.get('/api/v1/devices'), 'devices').devices;
      return [acmeAgent.deviceId, globexAgent.deviceId].every((id) => devices.find((d) => d.id === id)?.connected);
    });
    // An incident on each client's device (acknowledge, issue 18 point 3): a threshold every agent crosses.
    ok(
      await tech.post('/api/v1/rules', {
        name: 'Sonde du banc de sécurité',
        type: 'threshold',
        severity: 'warning',
        params: { metric: 'uptime_s', op: '>', value: 0, forSec: 0 },
      }),
      'rule',
    );
    const seedTenant = async (t: { client: number; site: number; device: number; user: number; email: string; name: string; label: string }) =>
      seedBilling(admin, tech, await signIn(url, t.email, PASSWORD), month, t);
    const acmeBilling = await seedTenant({
      client: acmeClient.id,
      site: acmeSite.id,
      device: acmeAgent.deviceId,
      user: acmeUser,
      email: emails.acme,
      name: 'Acme SARL',
      label: 'Acme',
    });
    const globexBilling = await seedTenant({
      client: globexClient.id,
      site: globexSite.id,
      device: globexAgent.deviceId,
      user: globexUser,
      email: emails.globex,
      name: `Globex SAS ${GLOBEX_MARKER}`,
      label: GLOBEX_MARKER,
    });
    // Remote intervention: the technician may act on Acme's machines (and so enrols TOTP), a script
    // approved and its next version not, and on each client a command and a remote session.
    const remote = await seedRemote(
      url,
      admin,
      { secret: adminEnrolled.secret },
      { email: emails.remote, id: remoteTechId, password: PASSWORD },
      acmeBilling.client,
    );
    const library = { script: remote.script.id, scriptVersion: remote.script.draft };
    const acme = { ...acmeBilling, ...(await seedRemoteOfTenant(admin, acmeBilling)), ...library };
    const globex = { ...globexBilling, ...(await seedRemoteOfTenant(admin, globexBilling)), ...library };
    return {
      world: {
        url,
        dataDir,
        password: PASSWORD,
        emails,
        adminId,
        techId,
        remoteTechId,
        totp: { admin: { secret: adminEnrolled.secret, recoveryCodes: adminEnrolled.recoveryCodes }, remote: remote.seed },
        sessions: { admin: credentialsOf(admin), remote: credentialsOf(remote.session) },
        script: remote.script,
        ceilingFile,
        acme,
        globex,
        month,
        agents: { acme: acmeAgent.stateDir, globex: globexAgent.stateDir },
        injectionMarker,
      },
      stop,
    };
  } catch (err) {
    const logs = procs.map((p) => p.lines.slice(-20).join('\n')).join('\n---\n');
    await stop();
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
}

/** A 1×1 PNG (its bytes say PNG: attachments are typed by their content). */
const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** A client's contract, ticket, intervention, attachment, incident, order, DEEE pickup, recurring programme, invoice, dispute and report. */
async function seedBilling(
  admin: Session,
  tech: Session,
  client: Session,
  month: string,
  t: { client: number; site: number; device: number; user: number; name: string; label: string },
): Promise<Omit<TenantIds, 'command' | 'remoteSession' | 'script' | 'scriptVersion'>> {
  const d = (day: number) => `${month}-${String(day).padStart(2, '0')}`;
  const startYear = Number(month.slice(0, 4)) - 2;
  ok(
    await admin.put(`/api/v1/billing/clients/${t.client}/contract`, {
      startDate: `${startYear}-01-01`,
      buyer: { name: t.name, address: ['1 place Bellecour', '69002 Lyon'], siren: '401234567', vatNumber: 'FR11401234567' },
      grid: GRID,
      syntecIndex: 274.7,
      syntecIndexDate: '2019-10-31',
    }),
    'contract',
  );
  const ticket = ok(
    await tech.post('/api/v1/tickets', {
      clientId: t.client,
      title: `Poste bloqué ${t.label}`,
      description: `Le poste reste sur l’écran de démarrage ${t.label}`,
      channel: 'email',
      receivedAt: Date.parse(`${d(4)}T08:30:00Z`),
      deviceIds: [t.device],
    }),
    'ticket',
  );
  const intervention = ok(
    await tech.post(`/api/v1/tickets/${ticket.id}/interventions`, {
      date: d(5),
      minutes: 50,
      kind: 'urgent',
      mode: 'remote',
      notes: `Profil réparé ${t.label}`,
    }),
    'intervention',
  );
  const order = ok(
    await tech.post(`/api/v1/billing/clients/${t.client}/orders`, {
      supplier: 'LDLC Pro',
      reference: `DEV-${t.label}`,
      orderedOn: d(8),
      ticketId: ticket.id,
      lines: [{ description: `PC Dell OptiPlex ${t.label}`, unitPriceCents: 89900, quantity: 1, warrantyMonths: 36 }],
    }),
    'order',
  );
  const pickup = ok(
    await tech.post(`/api/v1/billing/clients/${t.client}/pickups`, {
      pickedUpOn: d(9),
      description: `Écrans usagés ${t.label}`,
      weightGrams: 12000,
      transportCents: 3000,
      handlingCents: 1000,
      recyclingRateCentsPerKg: 50,
    }),
    'pickup',
  );
  const future = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
  const recurring = ok(
    await tech.post(`/api/v1/billing/clients/${t.client}/recurring`, {
      ticketId: ticket.id,
      title: `Maintenance mensuelle ${t.label}`,
      mode: 'remote',
      period: 'monthly',
      firstDate: future,
      startTime: '09:00',
      reservedMinutes: 60,
    }),
    'recurring programme',
  );
  ok(await admin.post('/api/v1/billing/invoices/generate', { month, clientId: t.client }), 'invoice');
  const invoices = ok(await admin.get(`/api/v1/billing/invoices?clientId=${t.client}`), 'invoices').invoices as { id: number }[];
  const invoice = invoices[0]!.id;
  const disputed = ok<{ disputes?: { id: number }[] }>(
    await client.post(`/api/v1/billing/invoices/${invoice}/disputes`, { reason: `Montant contesté ${t.label}` }),
    'dispute',
  );
  const job = ok(await tech.post('/api/v1/reports/generate', { month, clientId: t.client }), 'report job');
  const jobId = (job.id ?? job.job?.id) as number;
  const report = await waitFor(
    `report of ${t.label}`,
    async () => {
      const reports = ok(await tech.get(`/api/v1/reports?clientId=${t.client}`), 'reports').reports as { id: number; month: string }[];
      return reports.find((r) => r.month === month);
    },
    120_000,
    500,
  );
  const tokens = ok(await tech.get(`/api/v1/sites/${t.site}/enrollment-tokens`), 'tokens').tokens as { id: number }[];
  const attachment = ok<{ id: number }>(
    await client.call('POST', `/api/v1/tickets/${ticket.id}/attachments?name=${encodeURIComponent(`capture-${t.label}.png`)}`, {
      raw: PNG_1PX,
      headers: { 'content-type': 'application/octet-stream' },
    }),
    'attachment',
  ).id;
  // The rules engine runs every 15 s: wait for the incident of this client's device.
  const incident = await waitFor(
    `incident of ${t.label}`,
    async () =>
      (ok(await tech.get(`/api/v1/incidents?deviceId=${t.device}`), 'incidents').incidents as { id: number; device_id: number | null }[]).find(
        (i) => i.device_id === t.device,
      ),
    120_000,
    500,
  );
  const scheduleId = recurring.schedule.id as number;
  return {
    client: t.client,
    site: t.site,
    device: t.device,
    user: t.user,
    ticket: ticket.id,
    intervention: intervention.id,
    order: order.id,
    pickup: pickup.id,
    recurring: scheduleId,
    occurrence: recurring.occurrences[0].id as number,
    invoice,
    dispute: disputed.disputes![0]!.id,
    report: report.id,
    reportJob: jobId,
    enrollmentToken: tokens[0]!.id,
    attachment,
    incident: incident.id,
    reportMonth: month,
  };
}
