import { type Static, Type } from '@sinclair/typebox';
import { Email, Id, Lang, Ms, Nullable, strict } from './common.js';

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('technician'), Type.Literal('client')]);
export type Role = Static<typeof Role>;

/** The signed-in user, as the dashboard knows it. */
export const SessionUserView = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  clientId: Nullable(Type.Integer()),
  locale: Type.String(),
});
export type SessionUserView = Static<typeof SessionUserView>;
export const SignedIn = Type.Object({ user: SessionUserView, csrfToken: Type.String() });
export type SignedIn = Static<typeof SignedIn>;

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    totp: Type.Optional(Type.String({ maxLength: 16 })),
    recoveryCode: Type.Optional(Type.String({ maxLength: 32 })),
  },
  strict,
);
export const PasswordChangeBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 1024 }), newPassword: Type.String({ minLength: 12, maxLength: 1024 }) },
  strict,
);
/** A reset link by e-mail: asked with the address alone (the answer is the same whether it exists or not). */
export const PasswordResetRequestBody = Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }) }, strict);
export const PasswordResetBody = Type.Object(
  { token: Type.String({ minLength: 20, maxLength: 200 }), newPassword: Type.String({ minLength: 12, maxLength: 1024 }) },
  strict,
);

export const CreateUserBody = Type.Object(
  {
    email: Email,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Role,
    clientId: Type.Optional(Id),
    password: Type.String({ minLength: 12, maxLength: 1024 }),
    locale: Type.Optional(Lang),
  },
  strict,
);
export type CreateUserBody = Static<typeof CreateUserBody>;
export const RoleBody = Type.Object({ role: Role, clientId: Type.Optional(Id) }, strict);

export const UserRow = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  client_id: Nullable(Type.Integer()),
  locale: Type.String(),
  created_at: Ms,
  disabled_at: Nullable(Ms),
});
export type UserRow = Static<typeof UserRow>;
export const UserList = Type.Object({ users: Type.Array(UserRow) });
export const AssignableUsers = Type.Object({ users: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String() })) });
export const UserDisabled = Type.Object({ id: Type.Integer(), disabledAt: Nullable(Ms) });
export const RoleChanged = Type.Object({ id: Type.Integer(), role: Role, clientId: Nullable(Type.Integer()) });

export type LoginBody = Static<typeof LoginBody>;
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;
export type PasswordResetRequestBody = Static<typeof PasswordResetRequestBody>;
export type PasswordResetBody = Static<typeof PasswordResetBody>;
export type RoleBody = Static<typeof RoleBody>;
export type UserList = Static<typeof UserList>;
export type AssignableUsers = Static<typeof AssignableUsers>;
export type UserDisabled = Static<typeof UserDisabled>;
export type RoleChanged = Static<typeof RoleChanged>;
