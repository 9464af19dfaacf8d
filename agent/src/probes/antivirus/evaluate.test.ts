import { describe, expect, it } from 'vitest';
import { evaluateProducts } from './evaluate.js';
import { DEFAULTS } from './golden.js';
import type { AvProductState } from './product-state.js';

const NOW = Date.parse('2024-05-24T08:00:00Z');
const DAY = 86_400_000;
const healthy: AvProductState = {
  product: 'Acme AV',
  source: 'test',
  enabled: true,
  realTime: true,
  signaturesUpToDate: true,
  hasSignatures: true,
  signaturesUpdatedAt: NOW - DAY / 2,
  signatureVersion: '1.2.3',
  lastScanAt: NOW - 2 * DAY,
};
const one = (p: Partial<AvProductState>, cfg = {}) => {
  const [r] = evaluateProducts([{ ...healthy, ...p }], { ...DEFAULTS, ...cfg }, NOW);
  return [r?.status, r?.code];
};

describe('status and code per finding (worst status wins; among equals, the first of NO_SIGNATURES, DISABLED, OUTDATED, REALTIME, SCAN)', () => {
  it.each([
    ['healthy', {}, {}, ['ok', 'AV_OK']],
    ['no signature database', { hasSignatures: false, signaturesUpdatedAt: null, enabled: false }, {}, ['critical', 'AV_NO_SIGNATURES']],
    ['disabled and outdated', { enabled: false, signaturesUpdatedAt: NOW - 30 * DAY }, {}, ['critical', 'AV_DISABLED']],
    ['signatures 49 h old', { signaturesUpdatedAt: NOW - 49 * 3_600_000 }, {}, ['warning', 'AV_SIGNATURES_OUTDATED']],
    ['signatures 8 days old', { signaturesUpdatedAt: NOW - 8 * DAY }, {}, ['critical', 'AV_SIGNATURES_OUTDATED']],
    ['age unknown, product says out of date', { signaturesUpdatedAt: null, signaturesUpToDate: false }, {}, ['warning', 'AV_SIGNATURES_OUTDATED']],
    ['real-time off', { realTime: false }, {}, ['warning', 'AV_REALTIME_OFF']],
    ['real-time off, not required', { realTime: false }, { requireRealTime: false }, ['ok', 'AV_OK']],
    [
      'real-time off and 3 days old: same status, outdated named first',
      { realTime: false, signaturesUpdatedAt: NOW - 3 * DAY },
      {},
      ['warning', 'AV_SIGNATURES_OUTDATED'],
    ],
    ['last scan 10 days ago, limit 7', { lastScanAt: NOW - 10 * DAY }, { scanMaxAgeDays: 7 }, ['warning', 'AV_SCAN_OVERDUE']],
    ['never scanned, limit 7', { lastScanAt: null }, { scanMaxAgeDays: 7 }, ['warning', 'AV_SCAN_OVERDUE']],
    ['scan history unknown, limit 7', { lastScanAt: undefined }, { scanMaxAgeDays: 7 }, ['ok', 'AV_OK']],
    ['last scan 10 days ago, no limit', { lastScanAt: NOW - 10 * DAY }, {}, ['ok', 'AV_OK']],
  ] as const)('%s', (_name, product, cfg, expected) => {
    expect(one(product as Partial<AvProductState>, cfg)).toEqual(expected);
  });
});

describe('products together', () => {
  it('nothing found is AV_NOT_INSTALLED, critical unless the policy says warning', () => {
    expect(evaluateProducts([], DEFAULTS, NOW).map((r) => [r.target, r.status, r.code])).toEqual([['*', 'critical', 'AV_NOT_INSTALLED']]);
    expect(evaluateProducts([], { ...DEFAULTS, notInstalledStatus: 'warning' }, NOW)[0]?.status).toBe('warning');
  });

  it('a disabled product is on standby while another is active, and disabled when none is', () => {
    const off = { ...healthy, product: 'Windows Defender', enabled: false };
    expect(evaluateProducts([off, healthy], DEFAULTS, NOW).map((r) => r.code)).toEqual(['AV_STANDBY', 'AV_OK']);
    expect(evaluateProducts([off], DEFAULTS, NOW).map((r) => r.code)).toEqual(['AV_DISABLED']);
  });

  it('results carry the values a dashboard shows and fit the protocol', () => {
    const [r] = evaluateProducts([healthy], DEFAULTS, NOW);
    expect(r).toMatchObject({ check: 'antivirus', target: 'Acme AV', observedAt: NOW, message: 'Acme AV: enabled, signatures up to date (12 h old)' });
    expect(r?.values).toEqual({
      source: 'test',
      enabled: true,
      realTime: true,
      signaturesUpToDate: true,
      signatureAgeHours: 12,
      signatureAgeDays: 0.5,
      signaturesUpdatedAt: '2024-05-23T20:00:00.000Z',
      signatureVersion: '1.2.3',
      lastScanAt: '2024-05-22T08:00:00.000Z',
    });
  });
});
