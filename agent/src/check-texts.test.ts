import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECK_TEXTS, CHECK_TEXTS_BY_SOURCE, type CheckResult, describeCheck, resolveProbeConfig, securityProbeSpec } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { evaluateProducts } from './probes/antivirus/evaluate.js';
import { DEFAULTS as ANTIVIRUS_DEFAULTS } from './probes/antivirus/golden.js';
import type { AvProductState } from './probes/antivirus/product-state.js';
import type { ProbeContext } from './probes/probe.js';
import { securityProbe } from './probes/security/index.js';
import { serviceResult, topProcessesResult } from './probes/services/results.js';
import { toChecksAndMetrics } from './site/snmp/checks.js';

// The collector shows clients a French or English sentence per check code (shared/src/checks/).
// This test reads the agent's own sources, so that a code added to a probe without its sentences
// fails here rather than reaching a client as the agent's English message.

const SRC = dirname(fileURLToPath(import.meta.url));
const ROOTS = [join(SRC, 'probes'), join(SRC, 'site')];

/** Upper-case literals in the sources that are not check codes: errno, OpenSSL and config names the probes read. */
const NOT_CODES: Record<string, string> = {
  ABORT_ERR: 'network/http-check.ts: Node’s abort error, classified as HTTP_TIMEOUT',
  SELF_SIGNED: 'network/http-check.ts: part of OpenSSL’s certificate error codes (TLS_UNTRUSTED)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'network/http-check.ts: OpenSSL’s certificate error (TLS_UNTRUSTED)',
  ERR_OSSL_EVP_UNSUPPORTED: 'site/snmp/session.ts: OpenSSL without DES',
  CLK_TCK: 'services/collect-linux.ts: a getconf variable',
  PASS_MIN_LEN: 'security/parse-linux.ts: a login.defs key',
  PASS_MAX_DAYS: 'security/parse-linux.ts: a login.defs key',
  REMOTE_NOT_GRANTED: 'probe.ts: an error-catalogue key (VigieError) a probe throws, reported as the probe’s own error code',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testdata' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * Codes are written as literals: `code: 'BACKUP_OK'`, in ternaries that pick one
 * (`kind === 'timeout' ? 'SNMP_TIMEOUT' : …`), with `?? 'AV_OK'`, or in small tables of findings
 * (`['critical', 'UPS_ON_BATTERY', …]`). Every upper-case literal with an underscore is taken, and
 * any literal after `code:` whatever its shape; NOT_CODES lists the few that are something else.
 */
const CODE_LITERAL = /['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]|\bcode:\s*['"`]([A-Z][A-Z0-9_]*)['"`]/g;

/** Which catalogue table a source file's codes belong in. */
function tableOf(file: string): string {
  const rel = relative(SRC, file).split(/[\\/]/);
  if (rel[0] === 'probes') return rel.length === 2 ? 'probe-runner' : rel[1]!;
  if (rel[1] === 'snmp') return 'snmp';
  if (rel[1] === 'flows' || rel[1] === 'flows-role.ts') return 'flow-receiver';
  return rel.join('/');
}

const emitted = new Map<string, { files: Set<string>; table: string }>();
for (const file of ROOTS.flatMap(sources)) {
  for (const m of readFileSync(file, 'utf8').matchAll(CODE_LITERAL)) {
    const code = (m[1] ?? m[2])!;
    if (Object.hasOwn(NOT_CODES, code)) continue;
    const seen = emitted.get(code) ?? { files: new Set<string>(), table: tableOf(file) };
    seen.files.add(relative(SRC, file));
    emitted.set(code, seen);
  }
}

describe('every code the probes and the site role emit has its sentences', () => {
  it('finds the codes (the scan itself works)', () => {
    // A few from each way of writing them: plain, ternary, `??`, a findings table, a tuple.
    for (const code of [
      'BACKUP_TOO_OLD',
      'TLS_UNTRUSTED',
      'HTTP_UNREACHABLE',
      'AV_OK',
      'UPS_ON_BATTERY',
      'QUOTAS_EXCEEDED',
      'FLOWS_SILENT',
      'SNMP_AUTH_FAILED',
      'PROBE_ERROR',
    ])
      expect(emitted.has(code), code).toBe(true);
    expect(emitted.size).toBeGreaterThanOrEqual(80);
  });

  it.each([...emitted.keys()].sort())('%s: French and English', (code) => {
    const text = Object.hasOwn(CHECK_TEXTS, code) ? CHECK_TEXTS[code] : undefined;
    const where = [...emitted.get(code)!.files].join(', ');
    expect(typeof text?.fr, `${code} (${where}) has no French text in shared/src/checks/catalogue/`).toBe('function');
    expect(typeof text?.en, `${code} (${where}) has no English text in shared/src/checks/catalogue/`).toBe('function');
  });

  it('keeps each code in the table of the probe that emits it', () => {
    const misplaced = [...emitted].filter(([code, { table }]) => !Object.hasOwn(CHECK_TEXTS_BY_SOURCE[table] ?? {}, code));
    expect(misplaced.map(([code, { table }]) => `${code} → ${table}`)).toEqual([]);
  });

  it('has no sentence for a code no probe emits any more', () => {
    expect(Object.keys(CHECK_TEXTS).filter((code) => !emitted.has(code))).toEqual([]);
  });

  it('lists as "not codes" only literals still in the sources, none of them in the catalogue', () => {
    const all = ROOTS.flatMap(sources)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const name of Object.keys(NOT_CODES)) {
      expect(all.includes(`'${name}'`), `${name} no longer appears: drop it from NOT_CODES`).toBe(true);
      expect(Object.hasOwn(CHECK_TEXTS, name), name).toBe(false);
    }
  });
});

/** A sentence a client can read: present, and no hole where a value was missing. */
function expectReadable(r: CheckResult) {
  for (const locale of ['fr', 'en'] as const) {
    const text = describeCheck(r, locale);
    expect(text, `${r.code} ${locale}`).toMatch(/\S/);
    expect(text, `${r.code} ${locale}: ${text}`).not.toMatch(/undefined|NaN|null|\[object|Invalid Date/);
  }
}

const TESTDATA = (probe: string) => join(SRC, 'probes', probe, 'testdata');
const cases = (probe: string) =>
  readdirSync(TESTDATA(probe), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(TESTDATA(probe), e.name, 'expected.json')))
    .map((e) => e.name);
const json = (probe: string, name: string, file: string) => JSON.parse(readFileSync(join(TESTDATA(probe), name, file), 'utf8'));

describe('the sentences of what the probes really produce (their golden files and fixtures)', () => {
  it.each(cases('backup'))('backup: %s', (name) => {
    const runs = json('backup', name, 'expected.json') as { results: Omit<CheckResult, 'check' | 'observedAt'>[] }[];
    for (const r of runs.flatMap((run) => run.results)) {
      const result = { ...r, check: 'backup', observedAt: 0 };
      expectReadable(result);
      const age = result.values?.ageHours;
      if (typeof age === 'number' && ['BACKUP_OK', 'BACKUP_TOO_OLD', 'BACKUP_FAILED'].includes(r.code))
        expect(describeCheck(result, 'fr')).toMatch(/\d\s(min|h|j)\b/);
    }
  });

  it.each(cases('antivirus').filter((name) => 'products' in json('antivirus', name, 'expected.json')))('antivirus: %s', (name) => {
    const { products } = json('antivirus', name, 'expected.json') as { products: AvProductState[] };
    const now = Date.parse(json('antivirus', name, 'case.json').now);
    for (const r of evaluateProducts(products, ANTIVIRUS_DEFAULTS, now)) expectReadable(r);
  });

  it('security: Windows as its commands answered (security/testdata)', async () => {
    const fixture = (name: string) => readFileSync(join(TESTDATA('security'), name, 'input.txt'), 'utf8');
    const answers: [RegExp, string][] = [
      [/^manage-bde -status$/, fixture('windows-11-en-manage-bde-encrypting')],
      [/Get-NetFirewallProfile/, readFileSync(join(TESTDATA('security'), 'windows-10-ps5.1-firewall-profiles', 'input.json'), 'utf8')],
      [/Microsoft\.Update\.Session/, '12 3\r\n'],
      [/Get-LocalGroupMember/, readFileSync(join(TESTDATA('security'), 'windows-11-fr-ps5.1-local-admins', 'input.json'), 'utf8')],
      [/USBSTOR/, '3\r\n'],
      [/^net accounts$/, fixture('windows-fr-net-accounts')],
    ];
    const ctx: ProbeContext = {
      now: () => 1_700_000_000_000,
      signal: new AbortController().signal,
      platform: 'win32',
      async run(file, args) {
        const found = answers.find(([m]) => m.test([file, ...args].join(' ')));
        if (!found) throw new Error(`${file} is not installed`);
        return { stdout: found[1], stderr: '', code: 0 };
      },
    };
    const cfg = resolveProbeConfig(securityProbeSpec, { expectedAdmins: ['Administrateur'] });
    if (!cfg.ok) throw new Error(cfg.error);
    const results = await securityProbe.collect(ctx, cfg.config);
    for (const r of results) expectReadable(r);
    const updates = results.find((r) => r.target === 'updates')!;
    expect(describeCheck(updates, 'fr')).toBe('3 mises à jour de sécurité en attente (12 au total)');
    expect(describeCheck(updates, 'en')).toBe('3 security updates pending (12 in all)');
  });

  it('services: a stopped service and the top processes (services/testdata/macos-14-ps)', () => {
    const processes = json('services', 'macos-14-ps', 'expected.json') as { pid: number; name: string; cpuPct: number; cpuSeconds: null; rssBytes: number }[];
    const byCpu = [...processes].sort((a, b) => b.cpuPct - a.cpuPct);
    const byMemory = [...processes].sort((a, b) => b.rssBytes - a.rssBytes);
    const top = topProcessesResult(byCpu.slice(0, 3), byMemory.slice(0, 3), 'ps', 0);
    expectReadable(top);
    expect(describeCheck(top, 'en')).toMatch(/^Busiest process for CPU: \S.* \(\d+(\.\d)?%\); for memory: \S.* \(\d+(\.\d)?\u00a0[MG]B\)$/);
    expectReadable(serviceResult({ name: 'Spooler', state: 'stopped', detail: 'Stopped' }, 'windows-scm', 0));
  });

  it('site role, SNMP: a printer, a UPS on battery, a switch and a silent device', () => {
    const base = {
      target: '192.168.10.20:161',
      address: '192.168.10.20',
      observedAt: 1_800_000_000_000,
      reachable: true,
      error: null,
      ping: { alive: true, lossPct: 0, rttAvgMs: 0.8 },
      identity: {
        sysName: 'IMP-COMPTA',
        sysDescr: 'HP LaserJet',
        sysObjectID: '1.3.6.1.4.1.11.2.3.9.1',
        sysLocation: 'Bureau compta',
        sysContact: 'it@acme.test',
        sysUpTime: 86_400,
        serials: [],
      },
      kind: 'printer' as const,
      interfaces: [],
      printer: null,
      ups: null,
      warnings: [],
    };
    const supply = {
      index: '1.1',
      description: 'Black Toner',
      type: 'toner',
      class: 'consumed',
      levelState: 'measured',
      level: 500,
      maxCapacity: 10_000,
      percent: 5,
    };
    const printer = toChecksAndMetrics({ ...base, printer: { pageCount: 120_345, supplies: [supply] } as never }).checks;
    const ups = toChecksAndMetrics({
      ...base,
      kind: 'ups',
      ups: {
        manufacturer: 'APC',
        model: 'Smart-UPS 1500',
        outputSource: 'battery',
        onBattery: true,
        batteryStatus: 'low',
        chargePct: 87,
        minutesRemaining: 25,
        secondsOnBattery: 190,
        selfTest: { result: 'passed', startedAt: null },
      },
    }).checks;
    const nic = { index: 1, name: 'Gi0/1', descr: 'GigabitEthernet0/1', alias: 'Uplink', type: 6, speedBps: 1e9, adminStatus: 'up', counterBits: 64 };
    const counters = { inBps: 1000, outBps: 2000, inErrors: 0, outErrors: 0, inDiscards: 0, outDiscards: 0 };
    const sw = toChecksAndMetrics({
      ...base,
      kind: 'network',
      interfaces: [
        { ...nic, ...counters, operStatus: 'up' },
        { ...nic, ...counters, index: 2, name: 'Gi0/2', alias: '', operStatus: 'down' },
      ] as never,
    }).checks;
    const silent = toChecksAndMetrics({
      ...base,
      reachable: false,
      identity: null,
      kind: null,
      error: { kind: 'auth', message: 'SNMPv3 authentication refused' },
    }).checks;
    for (const r of [...printer, ...ups, ...sw, ...silent]) expectReadable(r);
    const toner = printer.find((r) => r.code === 'SUPPLY_CRITICAL')!;
    expect(describeCheck(toner, 'fr')).toBe('Black Toner\u00a0: presque vide, reste 5\u00a0%');
    expect(describeCheck(ups.find((r) => r.check === 'snmp-ups')!, 'en')).toBe('UPS on battery for 3\u00a0min (charge 87%, 25\u00a0min runtime)');
    expect(describeCheck(silent[0]!, 'fr')).toBe('192.168.10.20:161 refuse l’accès SNMP (communauté ou identifiants refusés)\u00a0; il répond au ping');
  });
});
