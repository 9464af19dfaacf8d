import { type Static, Type } from '@sinclair/typebox';
import { Nullable } from '@vigie/shared/api';

/**
 * An event for the dashboards, as it travels between collector processes. `clientId` decides who
 * receives it (live-channel.ts: staff always, a client user only for its own client; null means
 * staff only), so it is checked on arrival from the cluster bus like the rest.
 */
export const LiveEvent = Type.Object(
  {
    type: Type.Union([Type.Literal('device'), Type.Literal('incident'), Type.Literal('ticket'), Type.Literal('command'), Type.Literal('command-output')]),
    clientId: Nullable(Type.Integer({ minimum: 1 })),
    /** What the dashboard shows; its size is bounded by the bus's message size (NATS: 1 MB). */
    data: Type.Object({}),
  },
  { additionalProperties: false },
);
export type LiveEvent = Static<typeof LiveEvent>;
