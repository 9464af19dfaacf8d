import { type Static, Type } from '@sinclair/typebox';
import { Ms, strict } from './common.js';

export const ClientBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, strict);
export const SiteBody = ClientBody;
export const Client = Type.Object({ id: Type.Integer(), name: Type.String(), created_at: Ms });
export type Client = Static<typeof Client>;
export const ClientList = Type.Object({ clients: Type.Array(Client) });
export const Site = Type.Object({ id: Type.Integer(), client_id: Type.Integer(), name: Type.String(), created_at: Ms });
export type Site = Static<typeof Site>;
export const SiteList = Type.Object({ sites: Type.Array(Site) });
export const CreatedClient = Type.Object({ id: Type.Integer(), name: Type.String() });
export const CreatedSite = Type.Object({ id: Type.Integer(), clientId: Type.Integer(), name: Type.String() });

/** How a client's tickets are shared with it: monitoring tickets are internal unless this is on. */
export const ClientSettings = Type.Object({ publishMonitoringTickets: Type.Boolean() }, strict);
export type ClientSettings = Static<typeof ClientSettings>;

export type ClientBody = Static<typeof ClientBody>;
export type ClientList = Static<typeof ClientList>;
export type SiteList = Static<typeof SiteList>;
export type CreatedClient = Static<typeof CreatedClient>;
export type CreatedSite = Static<typeof CreatedSite>;
