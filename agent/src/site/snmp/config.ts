import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';

const strict = { additionalProperties: false } as const;

/**
 * A host name or an IP literal. No leading `-`: the address also reaches the system `ping` as an
 * argument, where it must never be read as an option.
 */
const Address = Type.String({ minLength: 1, maxLength: 253, pattern: '^(?:[A-Za-z0-9][A-Za-z0-9.-]*|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$' });
/** RFC 3414 passphrases: net-snmp and snmpd both refuse fewer than 8 characters. */
const Passphrase = Type.String({ minLength: 8, maxLength: 128 });

export const SNMP_AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const SNMP_PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;
const AuthProtocol = Type.Union(SNMP_AUTH_PROTOCOLS.map((p) => Type.Literal(p)));
const PrivProtocol = Type.Union(SNMP_PRIV_PROTOCOLS.map((p) => Type.Literal(p)));
const User = Type.String({ minLength: 1, maxLength: 32 });

/** USM credentials: each security level carries exactly the secrets it uses. */
export const SnmpV3Credentials = Type.Union([
  Type.Object({ level: Type.Literal('noAuthNoPriv'), user: User }, strict),
  Type.Object({ level: Type.Literal('authNoPriv'), user: User, authProtocol: AuthProtocol, authKey: Passphrase }, strict),
  Type.Object(
    { level: Type.Literal('authPriv'), user: User, authProtocol: AuthProtocol, authKey: Passphrase, privProtocol: PrivProtocol, privKey: Passphrase },
    strict,
  ),
]);

const common = {
  address: Address,
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535, default: 161 })),
  /** Per request; a walk is many requests. */
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, default: 2_000 })),
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, default: 1 })),
  /** Also ping the device (ICMP), reported apart from the SNMP answer. */
  ping: Type.Optional(Type.Boolean({ default: true })),
};

export const SnmpV1V2cTarget = Type.Object(
  {
    ...common,
    version: Type.Union([Type.Literal('1'), Type.Literal('2c')]),
    community: Type.Optional(Type.String({ minLength: 1, maxLength: 64, default: 'public' })),
  },
  strict,
);
export const SnmpV3Target = Type.Object({ ...common, version: Type.Literal('3'), v3: SnmpV3Credentials }, strict);

/** A device polled over SNMP: what a policy carries. Community and keys are secrets (never logged). */
export const SnmpTargetConfig = Type.Union([SnmpV1V2cTarget, SnmpV3Target]);
export type SnmpTargetConfig = Static<typeof SnmpTargetConfig>;
export type SnmpV3Credentials = Static<typeof SnmpV3Credentials>;

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
