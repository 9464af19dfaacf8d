import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';

/** Every probe's configuration has these: whether it runs, how often, and how long it may take. */
export const ProbeScheduling = {
  enabled: Type.Boolean({ default: true }),
  intervalSec: Type.Integer({ minimum: 10, maximum: 86_400, default: 300 }),
  timeoutSec: Type.Integer({ minimum: 1, maximum: 600, default: 30 }),
};

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
): { ok: true; config: Static<S> } | { ok: false; error: string } {
  const merged = { ...spec.defaults, ...(typeof given === 'object' && given !== null ? (given as object) : {}) };
  let check = compiled.get(spec.id);
  if (!check) {
    check = TypeCompiler.Compile(spec.schema as TSchema);
    compiled.set(spec.id, check);
  }
  if (!check.Check(merged)) {
    const e = check.Errors(merged).First();
    return { ok: false, error: `${spec.id}${e?.path ?? ''}: ${e?.message ?? 'invalid'}` };
  }
  return { ok: true, config: Value.Clone(merged) as Static<S> };
}
