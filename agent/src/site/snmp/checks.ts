import type { CheckResult } from '@vigie/shared';
import type { SnmpInterface } from './interfaces.js';
import { MetricSet, UniqueLabels } from './labels.js';
import { MARKING_SUPPLY_TYPES } from './oids.js';
import type { SnmpPollResult } from './poller.js';
import type { PrinterSupply } from './printer.js';
import type { UpsStatus } from './ups.js';

/**
 * Check types. The protocol's check type allows `[a-z0-9-]` only, so the families are
 * `snmp-reachable`, `snmp-interface`, `snmp-supply` and `snmp-ups`.
 */
export const SNMP_CHECKS = { reachable: 'snmp-reachable', interface: 'snmp-interface', supply: 'snmp-supply', ups: 'snmp-ups' } as const;

export interface SnmpCheckThresholds {
  /** Toner/ink below this percent is a warning (default 20)… */
  supplyWarningPct: number;
  /** …and below this, critical (default 10). */
  supplyCriticalPct: number;
  /** UPS charge below this percent is a warning (default 50). */
  upsChargeWarningPct: number;
  /** Interfaces (ifName or ifAlias) whose going down is critical; any other admin-up interface down is a warning. */
  criticalInterfaces: readonly string[];
}

export const DEFAULT_SNMP_THRESHOLDS: SnmpCheckThresholds = { supplyWarningPct: 20, supplyCriticalPct: 10, upsChargeWarningPct: 50, criticalInterfaces: [] };

export interface SnmpChecksAndMetrics {
  checks: CheckResult[];
  /** Series key → value, e.g. `net_if_in_bps{if=Gi0/1}` (bit/s). */
  metrics: Record<string, number>;
}

type Status = CheckResult['status'];
/** Device strings in messages and values: the poller caps them, a result from elsewhere may not. */
const short = (s: string, max = 256): string => (s.length <= max ? s : `${Array.from(s).slice(0, max).join('')}…`);
const fmtPct = (n: number) => `${Math.round(n * 10) / 10} %`;

function interfaceCheck(i: SnmpInterface, t: SnmpCheckThresholds, base: Omit<CheckResult, 'status' | 'code' | 'message'>): CheckResult {
  const values = {
    ifIndex: i.index,
    name: short(i.name),
    alias: short(i.alias),
    adminStatus: i.adminStatus,
    operStatus: i.operStatus,
    speedBps: i.speedBps,
    inBps: i.inBps,
    outBps: i.outBps,
    inErrors: i.inErrors,
    outErrors: i.outErrors,
  };
  const what = `Interface ${short(i.name)}${i.alias ? ` (${short(i.alias)})` : ''}`;
  if (i.operStatus === 'up') return { ...base, status: 'ok', code: 'IF_UP', message: `${what} : active`, values };
  if (i.operStatus === 'dormant') return { ...base, status: 'ok', code: 'IF_DORMANT', message: `${what} : en veille (en attente de trafic)`, values };
  if (i.operStatus === 'unknown')
    return { ...base, status: 'unknown', code: 'IF_STATUS_UNKNOWN', message: `${what} : l’équipement ne connaît pas son état`, values };
  if (i.operStatus === 'testing') return { ...base, status: 'warning', code: 'IF_TESTING', message: `${what} : en mode test`, values };
  const critical = t.criticalInterfaces.some((n) => n === i.name || (i.alias !== '' && n === i.alias));
  return {
    ...base,
    status: critical ? 'critical' : 'warning',
    code: 'IF_DOWN',
    message: `${what} : activée mais ${i.operStatus === 'down' ? 'sans lien' : i.operStatus}`,
    values,
  };
}

/**
 * The other supplies (drum, fuser, developer, waste receptacles…): reported whatever the printer
 * says of them — a level, "some remaining" or nothing — but never an alert (status ok): the
 * printer itself asks for those parts, and their levels vary too much between models to judge.
 */
function otherSupplyCheck(supply: PrinterSupply, base: Omit<CheckResult, 'status' | 'code' | 'message'>): CheckResult {
  const s = { ...supply, description: short(supply.description) };
  const values = {
    description: s.description,
    type: s.type,
    class: s.class,
    levelState: s.levelState,
    level: s.level,
    maxCapacity: s.maxCapacity,
    percent: s.percent,
  };
  const ok = { ...base, status: 'ok' as const, values };
  if (s.levelState === 'some-remaining')
    return { ...ok, code: 'SUPPLY_SOME_REMAINING', message: `${s.description} : il en reste (niveau non fourni par l’imprimante)` };
  if (s.percent === null) return { ...ok, code: 'SUPPLY_LEVEL_UNKNOWN', message: `${s.description} : niveau inconnu de l’imprimante` };
  // A receptacle (waste toner) fills up: its level is how full it is, not what is left.
  if (s.class === 'filled') return { ...ok, code: 'SUPPLY_FILL_LEVEL', message: `${s.description} : rempli à ${fmtPct(s.percent)}` };
  return { ...ok, code: 'SUPPLY_OK', message: `${s.description} : reste ${fmtPct(s.percent)}` };
}

function supplyCheck(supply: PrinterSupply, t: SnmpCheckThresholds, base: Omit<CheckResult, 'status' | 'code' | 'message'>): CheckResult {
  const s = { ...supply, description: short(supply.description) };
  const values = { description: s.description, type: s.type, levelState: s.levelState, level: s.level, maxCapacity: s.maxCapacity, percent: s.percent };
  if (s.levelState === 'some-remaining')
    return { ...base, status: 'ok', code: 'SUPPLY_SOME_REMAINING', message: `${s.description} : il en reste (niveau non fourni par l’imprimante)`, values };
  if (s.percent === null)
    return { ...base, status: 'unknown', code: 'SUPPLY_LEVEL_UNKNOWN', message: `${s.description} : niveau inconnu de l’imprimante`, values };
  if (s.percent <= 0) return { ...base, status: 'critical', code: 'SUPPLY_EMPTY', message: `${s.description} : vide`, values };
  if (s.percent < t.supplyCriticalPct)
    return { ...base, status: 'critical', code: 'SUPPLY_CRITICAL', message: `${s.description} : reste ${fmtPct(s.percent)}`, values };
  if (s.percent < t.supplyWarningPct)
    return { ...base, status: 'warning', code: 'SUPPLY_LOW', message: `${s.description} : reste ${fmtPct(s.percent)}`, values };
  return { ...base, status: 'ok', code: 'SUPPLY_OK', message: `${s.description} : reste ${fmtPct(s.percent)}`, values };
}

function upsCheck(u: UpsStatus, t: SnmpCheckThresholds, base: Omit<CheckResult, 'status' | 'code' | 'message'>): CheckResult {
  const values = {
    outputSource: u.outputSource,
    batteryStatus: u.batteryStatus,
    chargePct: u.chargePct,
    minutesRemaining: u.minutesRemaining,
    secondsOnBattery: u.secondsOnBattery,
    selfTest: u.selfTest.result,
    selfTestAt: u.selfTest.startedAt,
  };
  // Every finding goes into the message; the worst one gives the status and the code.
  const findings: [Status, string, string][] = [];
  const runtime = u.minutesRemaining !== null ? `, ${u.minutesRemaining} min d’autonomie` : '';
  if (u.onBattery) findings.push(['critical', 'UPS_ON_BATTERY', `sur batterie${u.chargePct !== null ? ` (${u.chargePct} %${runtime})` : ''}`]);
  if (u.batteryStatus === 'depleted') findings.push(['critical', 'UPS_BATTERY_DEPLETED', 'batterie épuisée']);
  if (u.batteryStatus === 'low') findings.push(['warning', 'UPS_BATTERY_LOW', 'batterie faible']);
  else if (u.chargePct !== null && u.chargePct < t.upsChargeWarningPct) findings.push(['warning', 'UPS_BATTERY_LOW', `charge de la batterie ${u.chargePct} %`]);
  if (u.selfTest.result === 'error' || u.selfTest.result === 'warning')
    findings.push(['warning', 'UPS_SELF_TEST_FAILED', `dernier autotest ${u.selfTest.result === 'error' ? 'en échec' : 'terminé avec un avertissement'}`]);
  const name = short([u.manufacturer, u.model].filter(Boolean).join(' ')) || 'UPS';
  const order: Record<Status, number> = { critical: 3, warning: 2, unknown: 1, ok: 0 };
  const worst = findings.sort((a, b) => order[b[0]] - order[a[0]])[0];
  if (!worst)
    return {
      ...base,
      status: 'ok',
      code: 'UPS_OK',
      message: `${name} : ${u.outputSource === 'unknown' ? 'source inconnue' : u.outputSource === 'battery' ? 'sur batterie' : u.outputSource === 'normal' ? 'sur secteur' : u.outputSource}${runtime}`,
      values,
    };
  return { ...base, status: worst[0], code: worst[1], message: `${name} : ${findings.map((f) => f[2]).join(', ')}`, values };
}

function reachableCheck(r: SnmpPollResult, base: Omit<CheckResult, 'status' | 'code' | 'message'>): CheckResult {
  const values = {
    snmp: r.reachable,
    pingAlive: r.ping ? r.ping.alive : null,
    pingRttMs: r.ping?.rttAvgMs ?? null,
    sysName: r.identity ? short(r.identity.sysName) : null,
    kind: r.kind,
    warnings: r.warnings.length ? r.warnings.join('; ').slice(0, 4096) : null,
  };
  if (r.reachable) {
    const name = r.identity?.sysName ? ` (${short(r.identity.sysName)})` : '';
    return { ...base, status: 'ok', code: 'SNMP_OK', message: `${r.target}${name} répond en SNMP`, values };
  }
  const pinged = r.ping === null ? '' : r.ping.alive ? ' ; il répond au ping' : ' ; il ne répond pas non plus au ping';
  if (r.error?.refused)
    return { ...base, status: 'unknown', code: 'SNMP_TARGET_REFUSED', message: `${r.target} : ${r.error.message}`, values: { ...values, ...r.error.refused } };
  const code = r.error?.kind === 'timeout' ? 'SNMP_TIMEOUT' : r.error?.kind === 'auth' ? 'SNMP_AUTH_FAILED' : 'SNMP_ERROR';
  return { ...base, status: 'critical', code, message: `${r.target} : ${short(r.error?.message ?? 'pas de réponse SNMP', 1024)}${pinged}`, values };
}

/**
 * A poll result as check results and metrics (pure). Names from the device (interfaces, supplies)
 * are cleaned into label values that pass the series-key validator, and made unique per device.
 */
export function toChecksAndMetrics(r: SnmpPollResult, thresholds: Partial<SnmpCheckThresholds> = {}): SnmpChecksAndMetrics {
  const t = { ...DEFAULT_SNMP_THRESHOLDS, ...thresholds };
  const base = (check: string, target: string) => ({ check, target: target.slice(0, 1024), observedAt: r.observedAt });
  const checks: CheckResult[] = [reachableCheck(r, base(SNMP_CHECKS.reachable, r.target))];
  const m = new MetricSet();
  m.put('snmp_up', r.reachable ? 1 : 0);
  if (r.ping) {
    m.put('ping_up', r.ping.alive ? 1 : 0);
    m.put('ping_rtt_ms', r.ping.rttAvgMs);
  }
  if (!r.reachable) return { checks, metrics: m.values };
  m.put('snmp_uptime_s', r.identity?.sysUpTime);

  const ifLabels = new UniqueLabels();
  for (const i of r.interfaces) {
    const labels = { if: ifLabels.take(i.name, String(i.index)) };
    m.put('net_if_in_bps', i.inBps, labels);
    m.put('net_if_out_bps', i.outBps, labels);
    // For link saturation (peak rate over speed) and to match flow exports' ifIndex to a name.
    m.put('net_if_speed_bps', i.speedBps, labels);
    m.put('net_if_index', i.index, labels);
    m.put('net_if_in_errors', i.inErrors, labels);
    m.put('net_if_out_errors', i.outErrors, labels);
    m.put('net_if_in_discards', i.inDiscards, labels);
    m.put('net_if_out_discards', i.outDiscards, labels);
    if (i.adminStatus !== 'up') continue;
    m.put('net_if_oper_up', i.operStatus === 'up' ? 1 : 0, labels);
    checks.push(interfaceCheck(i, t, base(SNMP_CHECKS.interface, `${r.target} if ${labels.if}`)));
  }

  if (r.printer) {
    m.put('printer_page_count', r.printer.pageCount);
    const supplyLabels = new UniqueLabels();
    for (const s of r.printer.supplies) {
      const supply = supplyLabels.take(s.description, s.index);
      m.put('printer_supply_pct', s.percent, { supply });
      const target = base(SNMP_CHECKS.supply, `${r.target} supply ${supply}`);
      checks.push(s.class !== 'filled' && MARKING_SUPPLY_TYPES.has(s.type) ? supplyCheck(s, t, target) : otherSupplyCheck(s, target));
    }
  }

  if (r.ups) {
    m.put('ups_on_battery', r.ups.onBattery ? 1 : 0);
    m.put('ups_charge_pct', r.ups.chargePct);
    m.put('ups_runtime_min', r.ups.minutesRemaining);
    m.put('ups_seconds_on_battery', r.ups.secondsOnBattery);
    checks.push(upsCheck(r.ups, t, base(SNMP_CHECKS.ups, `${r.target} ups`)));
  }
  return { checks, metrics: m.values };
}
