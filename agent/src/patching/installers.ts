import type { EnvelopeOf, PatchSource } from '@vigie/shared';
import type { ProgramCall } from '../remote/platform.js';

export type PackageRequest = EnvelopeOf<'patch-install'>['args']['packages'][number];

/**
 * How one package manager installs one named package at one version, and how it tells the version
 * now installed (to confirm rather than trust an exit code). One entry per source; the envelope's
 * `source` picks it (no switch on sources elsewhere).
 */
export interface PackageInstaller {
  install(p: PackageRequest): ProgramCall;
  /** The command printing the installed version, and how to read its answer; absent when the tool cannot say (Windows, macOS). */
  installedVersion?(p: PackageRequest): { call: ProgramCall; read(stdout: string): string | null };
  /** When the install program's own answer is the confirmation (Windows Update's result code). */
  confirm?(stdout: string): { ok: boolean; detail: string };
}

const rpmQuery = (p: PackageRequest) => ({
  call: { cmd: 'rpm', args: ['-q', '--qf', '%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n', '--', p.arch ? `${p.name}.${p.arch}` : p.name] },
  read: (out: string) => {
    // Several installed (kernels): the one asked for counts if it is among them.
    const versions = out
      .trim()
      .split('\n')
      .map((l) => l.trim().replace(/^0:/, ''));
    return versions.length === 0 || versions[0] === '' || /not installed/.test(out) ? null : versions.join(' ');
  },
});

/** Debian: `name:arch=version` for a foreign architecture, `name=version` otherwise; never a package not installed yet. */
const aptName = (p: PackageRequest) => (p.arch && p.arch !== 'all' && p.arch !== process.arch.replace('x64', 'amd64') ? `${p.name}:${p.arch}` : p.name);

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none', NEEDRESTART_MODE: 'l' };

/** PowerShell installing one update by its UpdateID, given in the environment (never spliced into the script). */
export const WINDOWS_INSTALL_SCRIPT = [
  '$ErrorActionPreference = "Stop"',
  '$s = New-Object -ComObject Microsoft.Update.Session',
  '$r = $s.CreateUpdateSearcher().Search("UpdateID=\'$($env:VIGIE_UPDATE_ID)\'")',
  'if ($r.Updates.Count -ne 1) { throw "update $($env:VIGIE_UPDATE_ID) not found" }',
  '$c = New-Object -ComObject Microsoft.Update.UpdateColl; [void]$c.Add($r.Updates.Item(0))',
  '$d = $s.CreateUpdateDownloader(); $d.Updates = $c; [void]$d.Download()',
  '$i = $s.CreateUpdateInstaller(); $i.Updates = $c; $res = $i.Install()',
  '[pscustomobject]@{ ResultCode = $res.ResultCode; HResult = $res.HResult; RebootRequired = $res.RebootRequired } | ConvertTo-Json -Compress',
].join('; ');

export const INSTALLERS: Record<PatchSource, PackageInstaller> = {
  apt: {
    install: (p) => ({
      cmd: 'apt-get',
      args: [
        'install',
        '-y',
        '-q',
        '--only-upgrade',
        '--no-install-recommends',
        '-o',
        'Dpkg::Options::=--force-confdef',
        '-o',
        'Dpkg::Options::=--force-confold',
        '--',
        `${aptName(p)}=${p.version}`,
      ],
      env: APT_ENV,
    }),
    installedVersion: (p) => ({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
      call: { cmd: 'dpkg-query', args: ['-W', '-f=${Version}', '--', aptName(p)] },
      read: (out) => out.trim() || null,
    }),
  },
  dnf: {
    install: (p) => ({ cmd: 'dnf', args: ['-y', '-q', 'install', '--', `${p.name}-${p.version}${p.arch ? `.${p.arch}` : ''}`] }),
    installedVersion: rpmQuery,
  },
  yum: {
    install: (p) => ({ cmd: 'yum', args: ['-y', '-q', 'install', '--', `${p.name}-${p.version}${p.arch ? `.${p.arch}` : ''}`] }),
    installedVersion: rpmQuery,
  },
  zypper: {
    install: (p) => ({ cmd: 'zypper', args: ['--non-interactive', 'install', '--no-recommends', '--', `${p.name}${p.arch ? `.${p.arch}` : ''}=${p.version}`] }),
    installedVersion: rpmQuery,
  },
  'windows-update': {
    install: (p) => ({
      cmd: 'powershell.exe',
      args: ['-NoProfile', '-NonInteractive', '-Command', WINDOWS_INSTALL_SCRIPT],
      env: { VIGIE_UPDATE_ID: p.id ?? p.name },
    }),
    // OperationResultCode: 2 succeeded, 3 succeeded with errors; 4 failed, 5 aborted.
    confirm: (out) => {
      const m = /"ResultCode"\s*:\s*(\d+)/.exec(out);
      const code = m ? Number(m[1]) : -1;
      return { ok: code === 2 || code === 3, detail: `Windows Update result code ${code}` };
    },
  },
  softwareupdate: {
    install: (p) => ({ cmd: 'softwareupdate', args: ['--install', p.id ?? p.name] }),
  },
};
