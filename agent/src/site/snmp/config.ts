import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { SnmpV1V2cTarget, type SnmpV3Credentials, SnmpV3Target } from '@vigie/shared';

export { SNMP_AUTH_PROTOCOLS, SNMP_PRIV_PROTOCOLS, SnmpTargetConfig, SnmpV3Credentials } from '@vigie/shared';

/** A target with its defaults filled in. */
export type SnmpTarget =
  | (Required<Static<typeof SnmpV1V2cTarget>> & { version: '1' | '2c' })
  | (Required<Omit<Static<typeof SnmpV3Target>, 'v3'>> & { version: '3'; v3: SnmpV3Credentials });

export const SNMP_TARGET_DEFAULTS = { port: 161, timeoutMs: 2_000, retries: 1, ping: true } as const;

export class SnmpConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnmpConfigError';
  }
}

const checkV1V2c = TypeCompiler.Compile(SnmpV1V2cTarget);
const checkV3 = TypeCompiler.Compile(SnmpV3Target);

function firstError(check: ReturnType<typeof TypeCompiler.Compile<TSchema>>, value: unknown): string {
  // TypeBox messages name the path and the rule, never the value: no secret leaks through here.
  const e = check.Errors(value).First();
  return `snmp target${e?.path ?? ''}: ${e?.message ?? 'invalid'}`;
}

/**
 * Validates a target (as a policy carries it) and fills in the defaults. The schema is chosen by
 * `version` first, so the error names the field at fault rather than "no union member matched".
 */
export function parseSnmpTarget(input: unknown): SnmpTarget {
  const version = typeof input === 'object' && input !== null ? (input as { version?: unknown }).version : undefined;
  const check = version === '3' ? checkV3 : version === '1' || version === '2c' ? checkV1V2c : undefined;
  if (!check) throw new SnmpConfigError("snmp target/version: must be '1', '2c' or '3'");
  if (!check.Check(input)) throw new SnmpConfigError(firstError(check as ReturnType<typeof TypeCompiler.Compile<TSchema>>, input));
  const target = Value.Clone(input) as Record<string, unknown>;
  for (const [key, value] of Object.entries(SNMP_TARGET_DEFAULTS)) target[key] ??= value;
  if (version !== '3') target.community ??= 'public';
  return target as SnmpTarget;
}

/** `address:port`, for messages and logs: never the community or the keys. */
export function describeTarget(target: Pick<SnmpTarget, 'address' | 'port'>): string {
  return target.address.includes(':') ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`;
}
