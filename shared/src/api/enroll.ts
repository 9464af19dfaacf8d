import { type Static, Type } from '@sinclair/typebox';
import { Ms, Nullable, strict } from './common.js';

export const CreateTokenBody = Type.Object(
  {
    label: Type.Optional(Type.String({ maxLength: 200 })),
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    ttlHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 365 })),
  },
  strict,
);
/** The token itself is shown once, when it is created. */
export const NewToken = Type.Object({ id: Type.Integer(), token: Type.String(), siteId: Type.Integer(), expiresAt: Ms, maxUses: Type.Integer() });
export const TokenRow = Type.Object({
  id: Type.Integer(),
  site_id: Type.Integer(),
  label: Type.String(),
  expires_at: Ms,
  max_uses: Type.Integer(),
  uses: Type.Integer(),
  revoked_at: Nullable(Ms),
  created_at: Ms,
});
export type TokenRow = Static<typeof TokenRow>;
export const TokenList = Type.Object({ tokens: Type.Array(TokenRow) });
export const Installer = Type.Object({
  file: Type.String(),
  os: Type.Union([Type.Literal('debian'), Type.Literal('linux'), Type.Literal('windows'), Type.Literal('macos')]),
  sizeBytes: Type.Integer(),
  sha256: Type.String(),
  url: Type.String(),
});
export type Installer = Static<typeof Installer>;
export const InstallerList = Type.Object({ installers: Type.Array(Installer) });

export type CreateTokenBody = Static<typeof CreateTokenBody>;
export type NewToken = Static<typeof NewToken>;
export type TokenList = Static<typeof TokenList>;
export type InstallerList = Static<typeof InstallerList>;
