import { type Static, Type } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

/** `POST /api/v1/enroll`: a site enrollment token and the host's facts. */
export const EnrollRequest = Type.Object(
  {
    token: Type.String({ minLength: 8, maxLength: 256 }),
    hostname: Type.String({ minLength: 1, maxLength: 255 }),
    platform: Type.String({ minLength: 1, maxLength: 32 }),
    arch: Type.String({ minLength: 1, maxLength: 32 }),
    agentVersion: Type.String({ minLength: 1, maxLength: 64 }),
    serial: Type.Optional(Type.String({ maxLength: 256 })),
    machineUuid: Type.Optional(Type.String({ maxLength: 256 })),
  },
  strict,
);
export type EnrollRequest = Static<typeof EnrollRequest>;

/** The agent's own credential; the secret is shown once and stored only as a hash by the collector. */
export const EnrollResponse = Type.Object(
  {
    agentId: Type.String(),
    secret: Type.String(),
    deviceId: Type.Integer(),
    /** The provider's Ed25519 key for signed commands, which the agent pins (raw key, base64url). */
    commandKey: Type.Optional(
      Type.Object({ keyId: Type.String({ pattern: '^[0-9a-f]{16}$' }), publicKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) }, strict),
    ),
  },
  strict,
);
export type EnrollResponse = Static<typeof EnrollResponse>;

/** How an agent presents its credential on the channel: `Authorization: Bearer <agentId>.<secret>`. */
export function formatAgentCredential(agentId: string, secret: string): string {
  return `${agentId}.${secret}`;
}

export function parseAgentCredential(header: string | undefined): { agentId: string; secret: string } | undefined {
  if (!header) return undefined;
  const m = /^Bearer ([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{16,128})$/.exec(header.trim());
  if (!m?.[1] || !m[2]) return undefined;
  return { agentId: m[1], secret: m[2] };
}
