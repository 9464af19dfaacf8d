import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildMsi, type MsiBuild, NSSM } from './msi.js';

let msi: MsiBuild;
let outDir: string;
let exe: string;

/** One MSI table as rows of columns, from msiinfo's IDT export (3 header lines). */
function table(name: string): string[][] {
  return execFileSync('msiinfo', ['export', msi.path, name], { encoding: 'utf8' })
    .split('\r\n')
    .slice(3)
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}
const row = (name: string, key: string) => table(name).find((r) => r[0] === key)!;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(() => {
  exe = inject('seaBuilds').find((b) => b.target === 'win-x64')!.path;
  outDir = mkdtempSync(join(tmpdir(), 'vigie-msi-'));
  msi = buildMsi(exe, outDir);
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the Windows installer (wixl), read back with msiinfo', () => {
  it('is a 64-bit per-machine package with an upgrade code and no downgrades', () => {
    expect(msi.path.endsWith('vigie-agent-win-x64.msi')).toBe(true);
    expect(execFileSync('msiinfo', ['suminfo', msi.path], { encoding: 'utf8' })).toContain('Template: x64;1033');
    expect(row('Property', 'ALLUSERS')[1]).toBe('1');
    expect(row('Property', 'ProductVersion')[1]).toBe('0.1.0');
    expect(row('Property', 'UpgradeCode')[1]).toBe('{6B1C5E4A-3F0D-4C1E-9A57-2D8B7E31C0A4}');
    expect(table('LaunchCondition').map((r) => r[0])).toContain('NOT WIX_DOWNGRADE_DETECTED');
  });

  it('installs the agent and the service wrapper under Program Files\\Vigie\\Agent, byte for byte', () => {
    expect(row('Directory', 'INSTALLDIR').slice(1)).toEqual(['VigieFolder', 'Agent']);
    expect(row('Directory', 'VigieFolder').slice(1)).toEqual(['ProgramFiles64Folder', 'Vigie']);
    expect(row('File', 'VigieAgentExe').slice(1, 4)).toEqual(['AgentExe', 'vigie-agent.exe', String(statSync(exe).size)]);
    expect(row('File', 'NssmExe').slice(1, 4)).toEqual(['ServiceWrapper', 'vigie-agent-service.exe', String(statSync(NSSM).size)]);
    const x = mkdtempSync(join(outDir, 'x-'));
    // msiextract lays the files out from ProgramFiles64Folder down.
    execFileSync('msiextract', ['-C', x, msi.path], { stdio: 'pipe' });
    expect(sha256(join(x, 'Vigie/Agent/vigie-agent.exe'))).toBe(sha256(exe));
    expect(sha256(join(x, 'Vigie/Agent/vigie-agent-service.exe'))).toBe(sha256(NSSM));
  });

  it('registers the VigieAgent service (own process, automatic, LocalSystem), started on install, stopped and deleted on uninstall', () => {
    const svc = row('ServiceInstall', 'VigieAgentService');
    expect([svc[1], svc[3], svc[4], svc[8], svc[11]]).toEqual(['VigieAgent', '16', '2', 'LocalSystem', 'ServiceWrapper']);
    const ctl = row('ServiceControl', 'VigieAgentControl');
    // msidbServiceControlEvent: Start on install (1) | Stop on install (2) | Stop (32) and Delete (128) on uninstall.
    expect([ctl[1], Number(ctl[2])]).toEqual(['VigieAgent', 1 | 2 | 32 | 128]);
    // nssm runs what the service's Parameters key names.
    const params = table('Registry').filter((r) => r[2]?.startsWith('SYSTEM\\CurrentControlSet\\Services\\VigieAgent\\Parameters'));
    expect(Object.fromEntries(params.map((r) => [r[3], r[4]]))).toMatchObject({ Application: '[INSTALLDIR]vigie-agent.exe', AppParameters: 'run' });
  });

  it('enrolls from the URL and TOKEN properties before the service starts, without logging the token', () => {
    expect(table('LaunchCondition').map((r) => r[0])).toContain('Installed OR WIX_UPGRADE_DETECTED OR (URL AND TOKEN)');
    expect(row('Property', 'MsiHiddenProperties')[1]).toBe('TOKEN');
    const enroll = row('CustomAction', 'Enroll');
    const type = Number(enroll[1]);
    // Directory exe action (34), deferred (0x400), as LocalSystem (0x800), command line not logged (0x2000).
    expect([type & 0x3f, type & 0x400, type & 0x800, type & 0x2000]).toEqual([34, 0x400, 0x800, 0x2000]);
    expect(enroll[3]).toContain('"[INSTALLDIR]vigie-agent.exe" enroll --url "[URL]" --token "[TOKEN]"');
    const seq = Object.fromEntries(table('InstallExecuteSequence').map((r) => [r[0], { cond: r[1], at: Number(r[2]) }]));
    expect(seq.InstallServices!.at).toBeLessThan(seq.LockStateDir!.at);
    expect(seq.LockStateDir!.at).toBeLessThan(seq.Enroll!.at);
    expect(seq.Enroll!.at).toBeLessThan(seq.StartServices!.at);
    expect(seq.Enroll!.cond).toBe('NOT REMOVE AND URL AND TOKEN');
  });

  it('writes the local ceiling of remote intervention (REMOTE=off|actions|scripts) before enrolling, through the agent itself', () => {
    const set = row('CustomAction', 'SetCeiling');
    expect([Number(set[1]) & 0x3f, Number(set[1]) & 0x400, Number(set[1]) & 0x800]).toEqual([34, 0x400, 0x800]);
    expect(set[3]).toContain('"[INSTALLDIR]vigie-agent.exe" remote-ceiling "[REMOTE]"');
    const seq = Object.fromEntries(table('InstallExecuteSequence').map((r) => [r[0], { cond: r[1], at: Number(r[2]) }]));
    expect(seq.LockStateDir!.at).toBeLessThan(seq.SetCeiling!.at);
    expect(seq.SetCeiling!.at).toBeLessThan(seq.Enroll!.at);
    expect(seq.SetCeiling!.cond).toBe('NOT REMOVE');
  });

  it('locks the state folder to SYSTEM and Administrators, and removes it on uninstall (not on upgrade)', () => {
    const lock = row('CustomAction', 'LockStateDir');
    expect(Number(lock[1]) & 0x3f).toBe(34);
    expect(lock[3]).toContain('icacls "[CommonAppDataFolder]Vigie" /inheritance:r /grant:r "*S-1-5-18:(OI)(CI)F" "*S-1-5-32-544:(OI)(CI)F"');
    const remove = row('CustomAction', 'RemoveState');
    expect(remove[3]).toContain('rmdir /s /q "[CommonAppDataFolder]Vigie"');
    const seq = Object.fromEntries(table('InstallExecuteSequence').map((r) => [r[0], { cond: r[1], at: Number(r[2]) }]));
    expect(seq.RemoveState!.at).toBeGreaterThan(seq.RemoveFiles!.at);
    expect(seq.RemoveState!.cond).toBe('REMOVE="ALL" AND NOT UPGRADINGPRODUCTCODE');
  });
});
