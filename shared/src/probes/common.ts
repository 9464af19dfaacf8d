import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { type FieldProblem, fieldProblems } from '../api/validation.js';

/** Every probe's configuration has these: whether it runs, how often, and how long it may take. */
export const ProbeScheduling = {
  enabled: Type.Boolean({ default: true }),
  intervalSec: Type.Integer({ minimum: 10, maximum: 86_400, default: 300 }),
  timeoutSec: Type.Integer({ minimum: 1, maximum: 600, default: 30 }),
};

/**
 * Values a probe hands to a program (a host for ping, a repository for borg or restic, a file): none
 * may start with `-`, where the program would read it as one of its options (`--rsh=…`, `-f`). The
 * probes also put `--` before their operands; this refuses the value where it is typed.
 */
export const NOT_AN_OPTION = '^[^-]';
const OPTION_MESSAGE = 'must not start with "-" (the program it is given to would read it as an option)';

/** A string for a program's argument list: never read as an option. */
export function ProgramOperand(opts: { maxLength: number; minLength?: number; description?: string }) {
  return Type.String({ minLength: 1, ...opts, pattern: NOT_AN_OPTION });
}

/**
 * A host name or an IP literal (IPv6 without brackets). No leading `-` or `/`: the address reaches
 * the system `ping` (and on Windows `/` starts an option too).
 */
export const HostAddress = Type.String({ minLength: 1, maxLength: 253, pattern: '^(?:[A-Za-z0-9][A-Za-z0-9.-]*|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$' });

/** Outbound probes refuse link-local and cloud-metadata addresses unless the policy sets this (see agent/src/outbound). */
export const AllowLinkLocal = Type.Boolean({
  default: false,
  description: 'Reach link-local (169.254.0.0/16, fe80::/10) and cloud-metadata addresses, refused otherwise',
});

export interface ProbeConfigSpec<S extends TObject = TObject> {
  id: string;
  schema: S;
  /** A new agent with no configuration runs with these. */
  defaults: Static<S>;
}

const compiled = new Map<string, ReturnType<typeof TypeCompiler.Compile>>();

/** Defaults, then the (partial) configuration given by the policies; refuses what does not fit. */
export function resolveProbeConfig<S extends TObject>(
  spec: ProbeConfigSpec<S>,
  given: unknown,
): { ok: true; config: Static<S> } | { ok: false; error: string; problem?: FieldProblem } {
  const merged = { ...spec.defaults, ...(typeof given === 'object' && given !== null ? (given as object) : {}) };
  let check = compiled.get(spec.id);
  if (!check) {
    check = TypeCompiler.Compile(spec.schema as TSchema);
    compiled.set(spec.id, check);
  }
  if (!check.Check(merged)) {
    const e = check.Errors(merged).First();
    const option = e ? optionLike(e) : undefined;
    if (option) return { ok: false, error: `${spec.id}${option.path}: ${OPTION_MESSAGE}` };
    // The field and the rule it broke, under the policy's pointer (/probes/<id>/…), for a reader's sentence.
    const first = fieldProblems(spec.schema as TSchema, merged)[0];
    const problem = first ? { ...first, field: `/probes/${spec.id}${first.field}` } : undefined;
    return { ok: false, error: `${spec.id}${e?.path ?? ''}: ${e?.message ?? 'invalid'}`, ...(problem ? { problem } : {}) };
  }
  return { ok: true, config: Value.Clone(merged) as Static<S> };
}

/** A value refused for its leading `-`, also inside a union's variants (a backup target, an SNMP target). */
function optionLike(e: ValueError): ValueError | undefined {
  if (typeof e.value === 'string' && e.value.startsWith('-') && (e.schema as { pattern?: string }).pattern) return e;
  for (const variant of e.errors ?? [])
    for (const sub of variant) {
      const found = optionLike(sub);
      if (found) return found;
    }
  return undefined;
}
