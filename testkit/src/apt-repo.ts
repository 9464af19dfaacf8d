import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** A Debian package the tests build: a name, a version, a file that says which version it is. */
export interface DebSpec {
  name: string;
  version: string;
  description?: string;
  /** Maintainer scripts (shell), as packages carry them: a preinst that fails aborts the upgrade, a postinst may ask for a restart. */
  preinst?: string;
  postinst?: string;
}

/**
 * Builds a real .deb with dpkg-deb (architecture `all`, one file under /usr/share/<name>/VERSION),
 * so apt and dpkg install, list and upgrade it as any package.
 */
export function buildDeb(outDir: string, spec: DebSpec): string {
  const work = join(outDir, `build-${spec.name}-${spec.version}`);
  mkdirSync(join(work, 'DEBIAN'), { recursive: true });
  mkdirSync(join(work, 'usr', 'share', spec.name), { recursive: true });
  writeFileSync(join(work, 'usr', 'share', spec.name, 'VERSION'), `${spec.version}\n`);
  writeFileSync(
    join(work, 'DEBIAN', 'control'),
    [
      `Package: ${spec.name}`,
      `Version: ${spec.version}`,
      'Architecture: all',
      'Maintainer: Vigie tests <tests@vigie.invalid>',
      'Section: misc',
      'Priority: optional',
      `Description: ${spec.description ?? `Vigie test package ${spec.name}`}`,
      '',
    ].join('\n'),
  );
  for (const script of ['preinst', 'postinst'] as const) {
    const body = spec[script];
    if (body !== undefined) writeFileSync(join(work, 'DEBIAN', script), `#!/bin/sh\nset -e\n${body}\n`, { mode: 0o755 });
  }
  mkdirSync(outDir, { recursive: true });
  const deb = join(outDir, `${spec.name}_${spec.version}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', work, deb], { stdio: 'ignore' });
  return deb;
}

/** How apt names the archive in its answers (`Label:Version/Suite`): a Suite ending in `-security` marks security updates. */
export interface RepoRelease {
  origin: string;
  label: string;
  suite: string;
  codename: string;
  version?: string;
}

/**
 * A flat apt repository (`deb [trusted=yes] file:/dir ./`): the packages, their `Packages` index
 * and a `Release` naming the archive, written the way dpkg-scanpackages and apt-ftparchive do.
 */
export function writeFlatRepo(dir: string, release: RepoRelease, debs: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  const stanzas: string[] = [];
  for (const deb of debs) {
    const name = basename(deb);
    copyFileSync(deb, join(dir, name));
    const control = execFileSync('dpkg-deb', ['-f', deb], { encoding: 'utf8' }).trimEnd();
    const bytes = readFileSync(deb);
    stanzas.push([control, `Filename: ./${name}`, `Size: ${bytes.length}`, `SHA256: ${createHash('sha256').update(bytes).digest('hex')}`].join('\n'));
  }
  const packages = `${stanzas.join('\n\n')}\n`;
  writeFileSync(join(dir, 'Packages'), packages);
  const sha = createHash('sha256').update(packages).digest('hex');
  writeFileSync(
    join(dir, 'Release'),
    [
      `Origin: ${release.origin}`,
      `Label: ${release.label}`,
      `Suite: ${release.suite}`,
      ...(release.version ? [`Version: ${release.version}`] : []),
      `Codename: ${release.codename}`,
      `Date: ${new Date().toUTCString()}`,
      'Architectures: all amd64 arm64',
      'SHA256:',
      ` ${sha} ${statSync(join(dir, 'Packages')).size} Packages`,
      '',
    ].join('\n'),
  );
  return `deb [trusted=yes] file:${dir} ./`;
}

/** A dpkg status file listing these packages as installed (for apt run outside a real root). */
export function dpkgStatus(installed: readonly DebSpec[]): string {
  return installed
    .map((p) =>
      [
        `Package: ${p.name}`,
        'Status: install ok installed',
        'Priority: optional',
        'Section: misc',
        'Maintainer: Vigie tests <tests@vigie.invalid>',
        'Architecture: all',
        `Version: ${p.version}`,
        `Description: ${p.description ?? `Vigie test package ${p.name}`}`,
        '',
      ].join('\n'),
    )
    .join('\n');
}

/**
 * An apt configuration that keeps every state, cache and source file under `root`, so the real
 * apt-get answers about a package set the test made, never about this machine's. Use it through
 * the APT_CONFIG environment variable of the commands the test runs.
 */
export function privateAptConfig(root: string, sourceLines: readonly string[], status: string): { aptConfig: string; statusFile: string; listsDir: string } {
  for (const d of ['state/lists/partial', 'cache/archives/partial', 'etc/sources.list.d', 'etc/apt.conf.d', 'etc/preferences.d', 'log'])
    mkdirSync(join(root, d), { recursive: true });
  const statusFile = join(root, 'state', 'status');
  writeFileSync(statusFile, status);
  writeFileSync(join(root, 'etc', 'sources.list'), `${sourceLines.join('\n')}\n`);
  const aptConfig = join(root, 'apt.conf');
  writeFileSync(
    aptConfig,
    [
      `Dir::State "${join(root, 'state')}";`,
      `Dir::State::status "${statusFile}";`,
      `Dir::Cache "${join(root, 'cache')}";`,
      `Dir::Etc "${join(root, 'etc')}";`,
      `Dir::Etc::SourceList "${join(root, 'etc', 'sources.list')}";`,
      `Dir::Etc::SourceParts "${join(root, 'etc', 'sources.list.d')}";`,
      `Dir::Etc::Parts "${join(root, 'etc', 'apt.conf.d')}";`,
      `Dir::Etc::PreferencesParts "${join(root, 'etc', 'preferences.d')}";`,
      `Dir::Log "${join(root, 'log')}";`,
      // file: sources are read by apt's own user otherwise, who cannot enter a test's private folder.
      'APT::Sandbox::User "root";',
      'Debug::NoLocking "true";',
      '',
    ].join('\n'),
  );
  return { aptConfig, statusFile, listsDir: join(root, 'state', 'lists') };
}
