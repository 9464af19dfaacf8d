import type { AntivirusProbeConfig, CheckResult } from '@vigie/shared';
import type { AvProductState } from './product-state.js';

type Status = CheckResult['status'];
interface Finding {
  status: Status;
  code: string;
  text: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RANK: Record<Status, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };
/** When several findings share the worst status, the first in this order names the result. */
const CODE_ORDER = ['AV_NO_SIGNATURES', 'AV_DISABLED', 'AV_SIGNATURES_OUTDATED', 'AV_REALTIME_OFF', 'AV_SCAN_OVERDUE'];

const ageText = (hours: number) => (hours >= 48 ? `${Math.floor(hours / 24)} days` : `${Math.max(0, Math.floor(hours))} h`);
const round1 = (n: number) => Math.round(n * 10) / 10;
const iso = (ms: number | null | undefined) => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

function findings(p: AvProductState, cfg: AntivirusProbeConfig, now: number, othersProtect: boolean): Finding[] {
  const out: Finding[] = [];
  if (p.hasSignatures === false) out.push({ status: 'critical', code: 'AV_NO_SIGNATURES', text: 'no signature database' });
  if (p.enabled === false) {
    // Windows keeps Defender registered but off while a third-party product protects the machine.
    if (othersProtect) return [{ status: 'ok', code: 'AV_STANDBY', text: 'off while another antivirus is active' }];
    out.push({ status: 'critical', code: 'AV_DISABLED', text: 'disabled' });
  }
  if (p.signaturesUpdatedAt !== null) {
    const hours = (now - p.signaturesUpdatedAt) / HOUR;
    const limits = p.ageLimitsHours ?? { warning: cfg.signatureWarningHours, critical: cfg.signatureCriticalHours };
    const age = ageText(hours);
    if (hours > limits.critical) out.push({ status: 'critical', code: 'AV_SIGNATURES_OUTDATED', text: `signatures ${age} old` });
    else if (hours > limits.warning) out.push({ status: 'warning', code: 'AV_SIGNATURES_OUTDATED', text: `signatures ${age} old` });
  } else if (p.signaturesUpToDate === false) {
    out.push({ status: 'warning', code: 'AV_SIGNATURES_OUTDATED', text: 'signatures out of date (reported by the product)' });
  }
  if (p.realTime === false && cfg.requireRealTime) out.push({ status: 'warning', code: 'AV_REALTIME_OFF', text: 'real-time protection off' });
  if (cfg.scanMaxAgeDays !== null && p.lastScanAt !== undefined) {
    if (p.lastScanAt === null) out.push({ status: 'warning', code: 'AV_SCAN_OVERDUE', text: 'never scanned' });
    else if (now - p.lastScanAt > cfg.scanMaxAgeDays * DAY) {
      out.push({ status: 'warning', code: 'AV_SCAN_OVERDUE', text: `last scan ${Math.floor((now - p.lastScanAt) / DAY)} days ago` });
    }
  }
  return out;
}

/** One result per product: the worst finding names it, the message lists them all. */
export function evaluateProducts(products: readonly AvProductState[], cfg: AntivirusProbeConfig, now: number): CheckResult[] {
  if (products.length === 0) {
    return [
      {
        check: 'antivirus',
        target: '*',
        status: cfg.notInstalledStatus,
        code: 'AV_NOT_INSTALLED',
        message: 'No antivirus product found',
        observedAt: now,
      },
    ];
  }
  const activeCount = products.filter((p) => p.enabled === true).length;
  return products.map((p) => {
    const found = findings(p, cfg, now, activeCount > 0);
    const worst = found.reduce<Status>((s, f) => (RANK[f.status] > RANK[s] ? f.status : s), 'ok');
    const lead = found.filter((f) => f.status === worst).sort((a, b) => CODE_ORDER.indexOf(a.code) - CODE_ORDER.indexOf(b.code))[0];
    const code = lead?.code ?? 'AV_OK';
    const age = p.signaturesUpdatedAt === null ? '' : ` (${ageText((now - p.signaturesUpdatedAt) / HOUR)} old)`;
    const summary = found.length > 0 ? found.map((f) => f.text).join(', ') : `enabled, signatures up to date${age}`;
    const message = `${p.product}: ${summary}${p.detail ? `; ${p.detail}` : ''}`;
    return {
      check: 'antivirus',
      target: p.product.slice(0, 1024),
      status: worst,
      code,
      message: message.slice(0, 2000),
      values: {
        source: p.source,
        enabled: p.enabled,
        realTime: p.realTime,
        signaturesUpToDate: p.signaturesUpToDate,
        signatureAgeHours: p.signaturesUpdatedAt === null ? null : round1((now - p.signaturesUpdatedAt) / HOUR),
        signatureAgeDays: p.signaturesUpdatedAt === null ? null : round1((now - p.signaturesUpdatedAt) / DAY),
        signaturesUpdatedAt: iso(p.signaturesUpdatedAt),
        signatureVersion: p.signatureVersion,
        lastScanAt: iso(p.lastScanAt),
      },
      observedAt: now,
    };
  });
}
