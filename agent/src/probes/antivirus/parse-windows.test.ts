import { describe, expect, it } from 'vitest';
import type { ProbeContext } from '../probe.js';
import { collectWindows, DEFENDER_SCRIPT, SECURITY_CENTER_SCRIPT } from './collect-windows.js';
import { evaluateProducts } from './evaluate.js';
import { brief, DEFAULTS, goldenCases } from './golden.js';
import { decodeProductState, parseDefenderJson, parsePsDate, parseSecurityCenterJson } from './parse-windows.js';

/** Replays a case's recorded PowerShell outputs: `<name>.json` is stdout, `<name>.stderr.txt` a failure. */
function replay(file: (n: string) => string | undefined, now: number, calls: string[]): ProbeContext {
  return {
    now: () => now,
    signal: new AbortController().signal,
    platform: 'win32',
    async run(program, args) {
      expect(program).toBe('powershell.exe');
      expect(args.slice(0, 3)).toEqual(['-NoProfile', '-NonInteractive', '-Command']);
      const name = args[3] === SECURITY_CENTER_SCRIPT ? 'security-center' : args[3] === DEFENDER_SCRIPT ? 'defender' : 'unexpected';
      calls.push(name);
      const err = file(`${name}.stderr.txt`);
      return err !== undefined ? { stdout: '', stderr: err, code: 1 } : { stdout: file(`${name}.json`) ?? '', stderr: '', code: 0 };
    },
  };
}

describe('golden Windows cases (Security Center and Defender as PowerShell 5.1 prints them)', () => {
  it.each(goldenCases('windows-', (a, e) => expect(a).toEqual(e)).map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const calls: string[] = [];
    const products = await collectWindows(replay(c.file, c.now, calls));
    c.check({ calls, products, results: brief(evaluateProducts(products, DEFAULTS, c.now)) });
  });
});

describe('decodeProductState (0xF000 state, 0x0F00 owner, 0x00F0 signatures)', () => {
  it.each([
    [397568, 'on', true, true, '0x061100'], // Defender on, up to date
    [393472, 'off', true, true, '0x060100'], // Defender off
    [397584, 'on', false, true, '0x061110'], // Defender on, out of date
    [266240, 'on', true, false, '0x041000'], // third party on, up to date
    [266256, 'on', false, false, '0x041010'], // third party on, out of date
    [262144, 'off', true, false, '0x040000'], // third party off
    [270336, 'snoozed', true, false, '0x042000'],
    [331776, 'on', true, false, '0x051000'], // antivirus + firewall provider flags
  ])('%i is %s, signatures up to date %s, Windows-owned %s', (state, s, upToDate, windows, hex) => {
    expect(decodeProductState(state)).toEqual({ state: s, signaturesUpToDate: upToDate, windowsOwned: windows, hex });
  });
});

describe('parsePsDate', () => {
  it.each([
    ['/Date(1716446721000)/', 1716446721000],
    ['/Date(1716446721000+0200)/', 1716446721000],
    ['/Date(-62135596800000)/', null], // DateTime.MinValue: never
    ['2024-05-23T08:45:21.0000000+02:00', 1716446721000], // PowerShell 7
    ['Thu, 23 May 2024 12:29:05 GMT', 1716467345000], // Security Center timestamp
    [{ value: '/Date(1716446721000)/', DisplayHint: 2 }, 1716446721000],
    [null, null],
    ['', null],
    ['not a date', null],
  ])('%j → %s', (input, expected) => {
    expect(parsePsDate(input)).toBe(expected);
  });
});

describe('parsers on edge outputs', () => {
  it('reads nothing from an empty Security Center answer (no product registered)', () => {
    expect(parseSecurityCenterJson('\r\n')).toEqual([]);
  });
  it('skips entries without a name or a numeric state', () => {
    expect(parseSecurityCenterJson('[{"displayName":"A","productState":"x"},{"productState":397568}]')).toEqual([]);
  });
  it('throws on output that is not JSON (a failed command), which the runner reports as PROBE_ERROR', () => {
    expect(() => parseDefenderJson('Get-MpComputerStatus : 0x800106ba')).toThrow();
  });
  it('takes the newest of the quick and full scan end times', () => {
    const d = parseDefenderJson('{"QuickScanEndTime":"/Date(1000000000000)/","FullScanEndTime":"/Date(1100000000000)/"}');
    expect(d?.lastScanAt).toBe(1100000000000);
  });
});
