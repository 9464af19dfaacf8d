import { type Static, Type } from '@sinclair/typebox';

export const ChecksQuery = Type.Object({
  history: Type.Integer({ minimum: 0, maximum: 5000, default: 100 }),
  check: Type.Optional(Type.String({ maxLength: 64 })),
});
/** Per check and finding: how many of the client's devices are in that state now. */
export const ChecksSummary = Type.Object({
  clientId: Type.Integer(),
  devicesByHealth: Type.Record(Type.String(), Type.Integer()),
  findings: Type.Array(Type.Object({ check: Type.String(), code: Type.String(), status: Type.String(), devices: Type.Integer() })),
});

export type ChecksQuery = Static<typeof ChecksQuery>;
export type ChecksSummary = Static<typeof ChecksSummary>;
