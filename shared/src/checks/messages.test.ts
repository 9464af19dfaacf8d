import { describe, expect, it } from 'vitest';
import { NBSP } from './format.js';
import { CHECK_TEXTS, CHECK_TEXTS_BY_SOURCE, type DescribableCheck, describeCheck } from './messages.js';

// Expected texts write the non-breaking space (before French `: ; %` and a unit, inside « »)
// as `~`, so that it shows in the source.
const nb = (s: string) => s.replaceAll('~', NBSP);

type Row = [name: string, result: DescribableCheck, fr: string, en: string];

// Values as the probes send them: taken from their golden files and tests (named per row).
const ROWS: Row[] = [
  [
    'backup, Veeam job failed (backup/testdata/windows-11-veeam-agent-jobs)',
    {
      check: 'backup',
      target: 'veeam Backup Job PC-COMPTA',
      status: 'critical',
      code: 'BACKUP_FAILED',
      values: { lastResult: 'Failed', lastRunAt: 1764129900000, log: 'Veeam Agent', ageHours: 51.9, lastSuccessAt: 1763957100000 },
    },
    'Tâche Veeam «~Backup Job PC-COMPTA~»~: la dernière sauvegarde a échoué~; dernière réussie il y a 2,2~j',
    'Veeam job “Backup Job PC-COMPTA”: the last backup failed; last success 2.2~days ago',
  ],
  [
    'backup, Time Machine too old (backup/testdata/macos-14-apfs-latestbackup)',
    {
      check: 'backup',
      target: 'time-machine',
      status: 'critical',
      code: 'BACKUP_TOO_OLD',
      values: { destinations: 'Attic NAS', path: '/Volumes/.timemachine/…', ageHours: 72, lastSuccessAt: 1782112577000 },
    },
    'Sauvegarde Time Machine~: aucune sauvegarde réussie depuis 3~j (la dernière le 22 juin 2026 à 09:16)',
    'Time Machine backup: no successful backup for 3~days (the last on 22 June 2026 at 09:16)',
  ],
  [
    'backup, restic ok 6 h ago',
    { check: 'backup', target: 'restic nas-acme', status: 'ok', code: 'BACKUP_OK', values: { ageHours: 6, lastSuccessAt: 1764122400000 } },
    'Dépôt restic «~nas-acme~»~: dernière sauvegarde réussie il y a 6~h',
    'restic repository “nas-acme”: last successful backup 6~h ago',
  ],
  [
    'antivirus, Defender signatures 11 days old (antivirus/testdata/windows-10-22h2-defender-outdated)',
    {
      check: 'antivirus',
      target: 'Windows Defender',
      status: 'critical',
      code: 'AV_SIGNATURES_OUTDATED',
      values: {
        source: 'security-center+defender',
        enabled: true,
        realTime: true,
        signaturesUpToDate: false,
        signatureAgeHours: 282.5,
        lastScanAt: '2024-05-15T06:12:09.000Z',
      },
    },
    'Windows Defender~: signatures non mises à jour depuis 11,8~j',
    'Windows Defender: signatures not updated for 11.8~days',
  ],
  [
    'antivirus, scan overdue',
    { check: 'antivirus', target: 'ESET Security', status: 'warning', code: 'AV_SCAN_OVERDUE', values: { lastScanAt: '2024-04-28T09:14:02.000Z' } },
    'ESET Security~: aucune analyse depuis le 28 avril 2024',
    'ESET Security: no scan since 28 April 2024',
  ],
  [
    'network, certificate expiring',
    {
      check: 'network',
      target: 'tls intranet.acme.fr',
      status: 'critical',
      code: 'TLS_CERT_EXPIRING',
      values: { daysLeft: 12, validTo: '2025-04-15T21:59:59.000Z', subject: 'intranet.acme.fr', issuer: 'R11', trusted: true },
    },
    'Le certificat du site intranet.acme.fr expire dans 12~j, le 15 avril 2025',
    'The certificate of intranet.acme.fr expires in 12~days, on 15 April 2025',
  ],
  [
    'network, the gateway does not answer ping',
    {
      check: 'network',
      target: 'ping 192.168.1.1',
      status: 'critical',
      code: 'HOST_UNREACHABLE',
      values: { role: 'gateway', lossPct: 100, rttMinMs: null, rttAvgMs: null, rttMaxMs: null },
    },
    'La passerelle par défaut 192.168.1.1 ne répond pas au ping (100~% de perte)',
    'The default gateway 192.168.1.1 does not answer ping (100% loss)',
  ],
  [
    'network, HTTP 503',
    { check: 'network', target: 'http https://erp.acme.fr/health', status: 'critical', code: 'HTTP_STATUS', values: { status: 503, responseMs: 41.7 } },
    'https://erp.acme.fr/health répond avec le code HTTP 503 (erreur du serveur)',
    'https://erp.acme.fr/health answered with HTTP status 503 (server error)',
  ],
  [
    'network, a TCP port closed',
    { check: 'network', target: 'tcp srv-ad:3389', status: 'critical', code: 'TCP_CLOSED', values: { error: 'ECONNREFUSED' } },
    'srv-ad n’accepte pas de connexion sur le port 3389 (ECONNREFUSED)',
    'srv-ad does not accept connections on port 3389 (ECONNREFUSED)',
  ],
  [
    'services, top processes (services/testdata/macos-14-ps)',
    {
      check: 'services',
      target: 'top-processes',
      status: 'ok',
      code: 'TOP_PROCESSES',
      values: {
        source: 'ps',
        cpu1_name: 'Veeam Agent',
        cpu1_pid: 1204,
        cpu1_pct: 35,
        cpu1_rss: 411762688,
        mem1_name: 'Veeam Agent',
        mem1_pid: 1204,
        mem1_rss: 411762688,
      },
    },
    'Processus le plus gourmand en processeur~: Veeam Agent (35~%)~; en mémoire~: Veeam Agent (393~Mo)',
    'Busiest process for CPU: Veeam Agent (35%); for memory: Veeam Agent (393~MB)',
  ],
  [
    'services, stopped without systemd',
    { check: 'services', target: 'nginx', status: 'critical', code: 'SERVICE_STOPPED', values: { method: 'process-table' } },
    'Le service nginx est arrêté (aucun processus de ce nom~; systemd indisponible)',
    'Service nginx is stopped (no process of that name; systemd unavailable)',
  ],
  [
    'security, weak password policy (security/security-linux.test.ts)',
    {
      check: 'security',
      target: 'password-policy',
      status: 'warning',
      code: 'PASSWORD_POLICY_WEAK',
      values: { method: 'login.defs', minLength: null, lockoutThreshold: null, maxAgeDays: 99999 },
    },
    'Politique de mots de passe insuffisante~: aucune longueur minimale, aucun verrouillage, expiration après 99\u202f999~j',
    'Password policy too weak: no minimum length, no lockout, expiry after 99,999~days',
  ],
  [
    'security, security updates pending',
    { check: 'security', target: 'updates', status: 'warning', code: 'SECURITY_UPDATES_PENDING', values: { method: 'apt', pending: 12, security: 1 } },
    '1 mise à jour de sécurité en attente (12 au total)',
    '1 security update pending (12 in all)',
  ],
  [
    'security, unexpected administrators (security/security-linux.test.ts)',
    {
      check: 'security',
      target: 'admins',
      status: 'warning',
      code: 'ADMINS_UNEXPECTED',
      values: { count: 5, admins: 'alice, bob, carol, root, toor', unexpected: 'bob, toor' },
    },
    'Administrateurs inattendus~: bob, toor',
    'Unexpected administrators: bob, toor',
  ],
  [
    'snmp, toner at 5 % (site/snmp/checks.test.ts)',
    {
      check: 'snmp-supply',
      target: '192.168.10.20:161 supply Black Toner',
      status: 'critical',
      code: 'SUPPLY_CRITICAL',
      values: { description: 'Black Toner', type: 'toner', levelState: 'measured', level: 500, maxCapacity: 10000, percent: 5 },
    },
    'Black Toner~: presque vide, reste 5~%',
    'Black Toner: nearly empty, 5% left',
  ],
  [
    'snmp, UPS on battery (site/snmp/checks.test.ts)',
    {
      check: 'snmp-ups',
      target: '192.168.10.30:161 ups',
      status: 'critical',
      code: 'UPS_ON_BATTERY',
      values: {
        outputSource: 'battery',
        batteryStatus: 'normal',
        chargePct: 87,
        minutesRemaining: 25,
        secondsOnBattery: 190,
        selfTest: 'passed',
        selfTestAt: null,
      },
    },
    'Onduleur sur batterie depuis 3~min (charge 87~%, autonomie 25~min)',
    'UPS on battery for 3~min (charge 87%, 25~min runtime)',
  ],
  [
    'snmp, an uplink without link',
    {
      check: 'snmp-interface',
      target: '192.168.10.2:161 if Gi0/1',
      status: 'critical',
      code: 'IF_DOWN',
      values: { ifIndex: 1, name: 'Gi0/1', alias: 'Uplink', adminStatus: 'up', operStatus: 'down', speedBps: 1e9, inBps: null, outBps: null },
    },
    'Interface Gi0/1 (Uplink) activée mais sans lien',
    'Interface Gi0/1 (Uplink) enabled but has no link',
  ],
  [
    'snmp, a device that answers ping only',
    {
      check: 'snmp-reachable',
      target: '192.168.10.2:161',
      status: 'critical',
      code: 'SNMP_TIMEOUT',
      values: { snmp: false, pingAlive: true, pingRttMs: 0.8, sysName: null, kind: 'unknown', warnings: null },
    },
    '192.168.10.2:161 ne répond pas en SNMP (délai dépassé)~; il répond au ping',
    '192.168.10.2:161 does not answer SNMP (timed out); it answers ping',
  ],
  [
    'flow receiver, refused senders',
    {
      check: 'flow-receiver',
      target: '0.0.0.0:2055',
      status: 'warning',
      code: 'FLOWS_REFUSED',
      values: { datagrams: 40, refused: 12, decodeErrors: 0, flows: 0, exporters: 1, recentlyRefused: '10.0.0.9' },
    },
    'Récepteur de flux 0.0.0.0:2055~: 12 datagrammes refusés de 10.0.0.9~; ajoutez ces expéditeurs aux exportateurs autorisés s’ils sont légitimes',
    'Flow receiver 0.0.0.0:2055: 12 datagrams refused from 10.0.0.9; add these senders to the allowed exporters if they are legitimate',
  ],
  [
    'a probe that could not run (probes/runner.ts)',
    { check: 'security', target: '*', status: 'unknown', code: 'PROBE_ERROR' },
    'La sonde «~sécurité~» n’a pas pu s’exécuter',
    'The “security” probe could not run',
  ],
];

describe('describeCheck: representative results in both languages', () => {
  it.each(ROWS)('%s', (_name, result, fr, en) => {
    expect(describeCheck(result, 'fr')).toBe(nb(fr));
    expect(describeCheck(result, 'en')).toBe(nb(en));
  });
});

describe('describeCheck: the reader’s formats', () => {
  const backup = (ageHours: number): DescribableCheck => ({ check: 'backup', target: 'borg srv', status: 'ok', code: 'BACKUP_OK', values: { ageHours } });

  it.each([
    [0.4, 'il y a 24~min', '24~min ago'],
    [5.5, 'il y a 5,5~h', '5.5~h ago'],
    [26, 'il y a 26~h', '26~h ago'],
    [49.5, 'il y a 2,1~j', '2.1~days ago'],
    [24 * 30, 'il y a 30~j', '30~days ago'],
  ])('an age of %s h reads in minutes, hours or days', (hours, fr, en) => {
    expect(describeCheck(backup(hours), 'fr')).toContain(nb(fr));
    expect(describeCheck(backup(hours), 'en')).toContain(nb(en));
  });

  it('writes dates in Europe/Paris, summer time included', () => {
    // 2025-03-30 01:30 UTC is 03:30 in Paris (the clocks went forward at 02:00 local).
    const r: DescribableCheck = {
      check: 'backup',
      target: 'folder nas',
      status: 'warning',
      code: 'BACKUP_TOO_OLD',
      values: { ageHours: 30, lastSuccessAt: Date.UTC(2025, 2, 30, 1, 30) },
    };
    expect(describeCheck(r, 'fr')).toContain('le 30 mars 2025 à 03:30');
    expect(describeCheck(r, 'en')).toContain('on 30 March 2025 at 03:30');
    const cert: DescribableCheck = {
      check: 'network',
      target: 'tls a.fr',
      status: 'critical',
      code: 'TLS_CERT_EXPIRED',
      values: { validTo: '2024-12-31T23:30:00.000Z' },
    };
    expect(describeCheck(cert, 'fr')).toBe('Le certificat du site a.fr a expiré le 1 janvier 2025');
  });

  it('agrees the French noun with its count (0 and 1 singular)', () => {
    const errors = (newErrors: number): DescribableCheck => ({
      check: 'network',
      target: 'interface eth0',
      status: 'warning',
      code: 'INTERFACE_ERRORS',
      values: { newErrors },
    });
    expect(describeCheck(errors(1), 'fr')).toBe(nb('Interface eth0~: 1 nouvelle erreur de transmission depuis la vérification précédente'));
    expect(describeCheck(errors(1), 'en')).toBe('Interface eth0: 1 new error since the previous check');
    expect(describeCheck(errors(12), 'fr')).toContain('12 nouvelles erreurs');
  });
});

describe('describeCheck: what it does not know', () => {
  it('returns undefined for an unknown code, so that callers show the agent’s message', () => {
    expect(describeCheck({ check: 'backup', target: 'x', status: 'critical', code: 'BACKUP_STALE' }, 'fr')).toBeUndefined();
    for (const inherited of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      expect(describeCheck({ check: 'x', target: 'x', status: 'ok', code: inherited }, 'en')).toBeUndefined();
  });

  it.each(Object.keys(CHECK_TEXTS))('%s reads well without values, and with values of the wrong type', (code) => {
    const keys = ['ageHours', 'lastSuccessAt', 'percent', 'role', 'lastScanAt', 'validTo', 'outputSource', 'operStatus', 'pingAlive', 'constructor'];
    const objects = Object.fromEntries(keys.map((k) => [k, { nested: true }]));
    const garbage = Object.fromEntries(keys.map((k) => [k, 'garbage']));
    for (const values of [undefined, null, {}, objects, garbage]) {
      for (const locale of ['fr', 'en'] as const) {
        const text = describeCheck({ check: 'backup', target: 'target', status: 'warning', code, values }, locale);
        expect(text, `${code} ${locale}`).toMatch(/\S/);
        expect(text, `${code} ${locale}`).not.toMatch(/undefined|NaN|null|\[object|Invalid Date|\$\{/);
      }
    }
  });

  it('keeps every code in one table only', () => {
    const all = Object.values(CHECK_TEXTS_BY_SOURCE).flatMap((t) => Object.keys(t));
    expect(all.length).toBe(new Set(all).size);
    expect(Object.keys(CHECK_TEXTS).length).toBe(all.length);
  });
});
