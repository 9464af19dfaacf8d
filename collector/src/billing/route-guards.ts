import { Type } from '@sinclair/typebox';
import { parisDate, refusal, VigieError } from '@vigie/shared';
import { LocalDateText } from '@vigie/shared/api';
import type { FastifyRequest } from 'fastify';
import { assertClientVisible, clientScope, requireRole, requireUser } from '../auth/guard.js';
import type { SessionUser } from '../auth/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import { electronicAddressProblem } from './facturx/mentions.js';
import type { LegalIdentity } from './invoice-document.js';
import type { InvoicingResources } from './invoicing.js';
import type { BillingResources } from './service.js';

/** What every billing plugin's routes share: their OpenAPI tag, the role and tenant checks, the Paris date. */
export const tags = ['billing'];
export const Id = Type.Integer({ minimum: 1 });
export const AsOf = Type.Object({ asOf: Type.Optional(LocalDateText) });
export const ClientQuery = Type.Object({ clientId: Type.Optional(Id) });

export const today = () => parisDate(Date.now());
export const staff = (req: FastifyRequest) => requireRole(req, 'admin', 'technician');
export const admin = (req: FastifyRequest) => requireRole(req, 'admin');

/** The user, who may see `clientId` (a client user only its own). */
export function visibleClient(req: FastifyRequest, clientId: number): SessionUser {
  const user = requireUser(req);
  assertClientVisible(user, clientId);
  return user;
}

/** The client a listing is restricted to: a client user's own, or the one staff asked for. */
export function scopeOf(req: FastifyRequest, asked: number | undefined): number | undefined {
  const user = requireUser(req);
  const scope = clientScope(user);
  if (scope !== undefined && asked !== undefined && asked !== scope) throw new VigieError('NOT_FOUND');
  return scope ?? asked;
}

/** An electronic address must start with its party's SIREN (BR-FR-21): said in the user's words before anything is saved. */
export function assertElectronicAddress(who: LegalIdentity): void {
  const problem = electronicAddressProblem(who);
  if (problem) throw refusal('VALIDATION', 'electronic_address', problem, {}, '/electronicAddress');
}

/** What every billing plugin is given: the store (for routes that audit themselves) and the services of billing's resources. */
export interface BillingPluginDeps {
  db: RelationalStore;
  billing: BillingResources;
  invoicing: InvoicingResources;
}

/** The invoice, if the user may see it: a client user only its own (404 otherwise). */
export async function invoiceVisible(req: FastifyRequest, invoicing: InvoicingResources, id: number) {
  const inv = await invoicing.issuing.row(id);
  if (!inv) throw new VigieError('NOT_FOUND');
  return { user: visibleClient(req, inv.client_id), inv };
}
