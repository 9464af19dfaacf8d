import { describe, expect, it } from 'vitest';
import { evaluateProducts } from './evaluate.js';
import { brief, DEFAULTS, goldenCases } from './golden.js';
import { parseDefaultsVersion, parseInstallHistoryJson, type XProtectBundle, xprotectState } from './parse-darwin.js';

const LIMITS = { warning: DEFAULTS.xprotectWarningDays, critical: DEFAULTS.xprotectCriticalDays };

describe('golden macOS cases (system_profiler SPInstallHistoryDataType -json, XProtect bundles)', () => {
  it.each(goldenCases('macos-', (a, e) => expect(a).toEqual(e)).map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const history = parseInstallHistoryJson(c.file('install-history.json') ?? '');
    const recorded = JSON.parse(c.file('bundles.json') ?? '[]') as { defaults: string; mtime: string }[];
    const bundles: XProtectBundle[] = recorded.map((b) => ({ version: parseDefaultsVersion(b.defaults), mtime: Date.parse(b.mtime) }));
    const products = [xprotectState(history, bundles, LIMITS)];
    c.check({ history, products, results: brief(evaluateProducts(products, DEFAULTS, c.now)) });
  });
});

describe('XProtect age', () => {
  const history = { configVersion: '2167', configInstalledAt: Date.parse('2023-03-31T07:12:44Z'), remediatorVersion: null, remediatorInstalledAt: null };
  it.each([
    ['2023-04-20T00:00:00Z', 'ok', 'AV_OK'],
    ['2023-05-15T00:00:00Z', 'warning', 'AV_SIGNATURES_OUTDATED'], // > 30 days
    ['2023-07-15T00:00:00Z', 'critical', 'AV_SIGNATURES_OUTDATED'], // > 90 days
  ])('on %s is %s', (now, status, code) => {
    const [r] = evaluateProducts([xprotectState(history, [], LIMITS)], DEFAULTS, Date.parse(now));
    expect([r?.status, r?.code]).toEqual([status, code]);
  });

  it('reads the version printed by defaults, not an error message', () => {
    expect(parseDefaultsVersion('5322\n')).toBe('5322');
    expect(parseDefaultsVersion('The domain/default pair of (…, CFBundleShortVersionString) does not exist\n')).toBeNull();
  });
});
