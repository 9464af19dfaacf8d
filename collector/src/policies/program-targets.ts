/**
 * Before issue 16 a backup target of kind `command` named a program and its arguments
 * (`{kind: 'command', name, command, args}`), run as root by every agent of the scope. That kind
 * now names an approved library script by its hash; a stored policy still holding the former
 * shape fails validation on the agent, which then skips its whole backup check. Migration 011
 * takes such targets out of stored policies (the others stay) and leaves this notice, in the
 * audit log and on the policy, so that staff know what went and how to bring the check back.
 */

/** What is kept of a removed target: its name and program (not its arguments, which may hold a password). */
export interface RemovedProgramTarget {
  name: string | null;
  program: string | null;
  arguments: number;
}

export interface PolicyNotice {
  fr: string;
  en: string;
}

/** The audit action of the removal (one entry per stored policy changed). */
export const PROGRAM_TARGET_REMOVED = 'policy.backup-program-target-removed';

/** A backup target in the former shape: kind `command` without a script hash (a program named instead). */
export function isProgramTarget(t: unknown): boolean {
  if (!t || typeof t !== 'object') return false;
  const o = t as Record<string, unknown>;
  return o.kind === 'command' && (typeof o.script !== 'string' || 'command' in o || 'args' in o);
}

/** The overrides without their program-naming backup targets, and what was removed (nothing: the same object). */
export function withoutProgramTargets(overrides: Record<string, unknown>): { overrides: Record<string, unknown>; removed: RemovedProgramTarget[] } {
  const probes = overrides.probes as Record<string, Record<string, unknown>> | undefined;
  const targets = probes?.backup?.targets;
  if (!Array.isArray(targets) || !targets.some(isProgramTarget)) return { overrides, removed: [] };
  const removed = targets.filter(isProgramTarget).map((t: Record<string, unknown>) => ({
    name: typeof t.name === 'string' ? t.name : null,
    program: typeof t.command === 'string' ? t.command : null,
    arguments: Array.isArray(t.args) ? t.args.length : 0,
  }));
  const backup = { ...probes!.backup, targets: targets.filter((t) => !isProgramTarget(t)) };
  return { overrides: { ...overrides, probes: { ...probes, backup } }, removed };
}

const nbsp = '\u00a0';

/** What staff read: which targets went, why, and how to bring the check back. */
export function programTargetNotice(removed: readonly RemovedProgramTarget[]): PolicyNotice {
  const fr = removed.map((r) => `«${nbsp}${r.name ?? 'sans nom'}${nbsp}» (${r.program ?? 'programme inconnu'})`).join(', ');
  const en = removed.map((r) => `“${r.name ?? 'unnamed'}” (${r.program ?? 'unknown program'})`).join(', ');
  const many = removed.length > 1;
  return {
    fr:
      `${many ? 'Cibles de sauvegarde retirées' : 'Cible de sauvegarde retirée'}${nbsp}: ${fr}. ` +
      `${many ? 'Elles exécutaient' : 'Elle exécutait'} un programme nommé par la politique, ce que Vigie ne permet plus (une politique ne fait exécuter que des scripts approuvés). ` +
      `Les autres cibles sont conservées. Pour rétablir ce contrôle, ajoutez le script à la bibliothèque, faites-le approuver par un administrateur, ` +
      `puis désignez-le dans une cible «${nbsp}command${nbsp}» par son empreinte SHA-256.`,
    en:
      `${many ? 'Backup targets removed' : 'Backup target removed'}: ${en}. ` +
      `${many ? 'They ran' : 'It ran'} a program named by the policy, which Vigie no longer allows (a policy only makes agents run approved scripts). ` +
      `The other targets are kept. To bring this check back, add the script to the library, have an admin approve it, ` +
      `then name it in a “command” target by its SHA-256.`,
  };
}
