import type { PendingUpdate } from '@vigie/shared';
import { needsReboot } from './reboot-packages.js';

/** The attributes of one XML start tag (`name="…"`), entities decoded. */
function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w-]+)="([^"]*)"/g)) out[m[1]!] = decodeEntities(m[2]!);
  return out;
}

function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    const code = e[1]?.toLowerCase() === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
    return String.fromCodePoint(code);
  });
}

/** Each `<update …>` element of a `zypper --xmlout` list with its first `<source …/>`. */
function updates(xml: string): { attrs: Record<string, string>; source: Record<string, string> }[] {
  if (!/<stream>/.test(xml)) throw new Error(`unexpected zypper answer: ${xml.trim().slice(0, 200)}`);
  const err = /<message type="error">([^<]*)<\/message>/.exec(xml);
  if (err) throw new Error(`zypper: ${decodeEntities(err[1]!)}`);
  const out: { attrs: Record<string, string>; source: Record<string, string> }[] = [];
  for (const m of xml.matchAll(/<update\s([^>]*?)\/?>([\s\S]*?)(?:<\/update>|(?=<update\s)|(?=<\/update-list>))/g)) {
    const src = /<source\s([^>]*)\/?>/.exec(m[2] ?? '');
    out.push({ attrs: attributes(m[1]!), source: src ? attributes(src[1]!) : {} });
  }
  return out;
}

/**
 * `zypper --xmlout list-updates`: `<update kind="package" name edition arch edition-old>` per
 * package (edition-old since zypper 1.14; null before).
 */
export function parseZypperUpdates(xml: string): Omit<PendingUpdate, 'security'>[] {
  return updates(xml)
    .filter((u) => (u.attrs.kind ?? 'package') === 'package' && u.attrs.name && u.attrs.edition)
    .map((u) => ({
      name: u.attrs.name!,
      ...(u.attrs.arch ? { arch: u.attrs.arch } : {}),
      installedVersion: u.attrs['edition-old'] || null,
      candidateVersion: u.attrs.edition!,
      rebootRequired: needsReboot(u.attrs.name!),
      ...(u.source.alias ? { origin: u.source.alias } : {}),
    }));
}

/** `zypper --xmlout list-patches --category security`: the needed security patches (name, whether one asks for a restart). */
export function parseZypperPatches(xml: string): { name: string; restart: boolean; summary: string }[] {
  return updates(xml)
    .filter((u) => u.attrs.kind === 'patch' && (u.attrs.status ?? 'needed') === 'needed')
    .map((u) => ({ name: u.attrs.name ?? '?', restart: u.attrs.restart === 'true', summary: '' }));
}

/**
 * `zypper --quiet info -t patch <names>` (text; its --xmlout form carries no package list): each
 * patch's `Conflicts : [n]` block lists the packages it updates, `name.arch < version`. Those of the
 * needed security patches are the security updates.
 */
export function parseZypperPatchInfo(text: string): { patch: string; packages: { name: string; arch: string }[] }[] {
  const out: { patch: string; packages: { name: string; arch: string }[] }[] = [];
  let current: { patch: string; packages: { name: string; arch: string }[] } | undefined;
  let inConflicts = false;
  for (const line of text.split(/\r?\n/)) {
    const head = /^Information for patch (\S+?):?$/.exec(line.trim());
    if (head) {
      current = { patch: head[1]!, packages: [] };
      out.push(current);
      inConflicts = false;
      continue;
    }
    if (!current) continue;
    if (/^\S/.test(line)) inConflicts = /^Conflicts\s*:/.test(line);
    else if (inConflicts) {
      const m = /^\s+(\S+)\.([A-Za-z0-9_]+)\s+<\s+\S+/.exec(line);
      if (m && m[2] !== 'src' && m[2] !== 'nosrc') current.packages.push({ name: m[1]!, arch: m[2]! });
    }
  }
  return out;
}
