import { describe, expect, it } from 'vitest';
import { goldenCases } from './golden-files.js';
import { parseInstallDate, parseWindowsUninstallJson, UNINSTALL_SCRIPT } from './software-windows.js';

describe('golden windows cases', () => {
  it.each(goldenCases('windows-').map((c) => [c.name, c] as const))('%s', (_name, golden) => {
    const actual = parseWindowsUninstallJson(golden.input);
    golden.write(actual);
    expect(actual).toEqual(golden.expected);
  });
});

describe('parseWindowsUninstallJson', () => {
  it('returns [] when ConvertTo-Json printed nothing (no entries)', () => {
    expect(parseWindowsUninstallJson('')).toEqual([]);
    expect(parseWindowsUninstallJson('\uFEFF\r\n')).toEqual([]);
  });

  it('throws on output that is not JSON (a failed command, reported as a warning)', () => {
    expect(() => parseWindowsUninstallJson('Get-ItemProperty : access denied')).toThrow();
  });

  it('skips system components, updates and children of another product', () => {
    const json = JSON.stringify([
      { DisplayName: 'Kept', SystemComponent: null, ParentKeyName: null, ReleaseType: null },
      { DisplayName: 'Component', SystemComponent: 1 },
      { DisplayName: 'Patch', ReleaseType: 'Security Update' },
      { DisplayName: 'Child', ParentKeyName: 'OperatingSystem' },
    ]);
    expect(parseWindowsUninstallJson(json).map((s) => s.name)).toEqual(['Kept']);
  });
});

describe('parseInstallDate', () => {
  it.each([
    ['20231221', '2023-12-21'],
    ['2023-12-21', '2023-12-21'],
    ['20231345', undefined],
    ['20230230', undefined],
    ['12/21/2023', undefined],
    ['19000101', undefined],
    [20231221, '2023-12-21'],
    [null, undefined],
  ])('%s → %s', (input, expected) => {
    expect(parseInstallDate(input)).toBe(expected);
  });
});

describe('UNINSTALL_SCRIPT', () => {
  it('reads the three uninstall keys and selects the parsed properties', () => {
    expect(UNINSTALL_SCRIPT).toContain("'HKLM:\\Software\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*'");
    expect(UNINSTALL_SCRIPT).toContain("'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*'");
    expect(UNINSTALL_SCRIPT).toContain(
      'Select-Object DisplayName,DisplayVersion,Publisher,InstallDate,EstimatedSize,SystemComponent,ParentKeyName,ReleaseType',
    );
  });
});
