import type { RelationalStore } from '../store/relational-store.js';
import type { TicketService } from '../tickets/service.js';
import { ContractService } from './contracts/service.js';
import { InterventionService } from './interventions/service.js';
import { PriceIndexService } from './price-indices/service.js';
import { RecurringService } from './recurring/service.js';
import { RecyclingService } from './recycling/service.js';
import { SettingsService } from './settings/service.js';
import { SupplyService } from './supplies/service.js';

export { normaliseGrid } from './contracts/price-grid.js';
export type { ContractRow, GridRow } from './contracts/repository.js';
export type { ContractInput } from './contracts/service.js';
export type { InterventionRow } from './interventions/repository.js';
export type { InterventionInput } from './interventions/service.js';
export type { OccurrenceRow, ScheduleRow } from './recurring/repository.js';
export { ADJUST_AFTER_OCCURRENCES, ADJUST_MAX_SHARE, type ChangeRequest, type ScheduleInput } from './recurring/service.js';
export type { PickupInput } from './recycling/service.js';
export { type DeliveryInput, type OrderInput, type SuppliedItemView, serialKey, warrantyEnd } from './supplies/service.js';

/**
 * Billing's resources before invoicing (contract 2.4–2.6, 5.2, 6): the provider's settings,
 * contracts and grids, price indices, interventions, recurring programmes, supply orders and DEEE
 * pickups, each a service of its own (with its repository and its Fastify plugin). This face keeps
 * one handle for the rest of the collector (remote sessions price and record interventions here).
 * Invoicing is in `InvoiceService`.
 */
/** The services of billing's resources before invoicing, one per resource. */
export interface BillingResources {
  settings: SettingsService;
  priceIndices: PriceIndexService;
  contracts: ContractService;
  recurring: RecurringService;
  interventions: InterventionService;
  supplies: SupplyService;
  recycling: RecyclingService;
}

export class BillingService {
  readonly resources: BillingResources;

  constructor(db: RelationalStore, tickets: TicketService) {
    const settings = new SettingsService(db);
    const priceIndices = new PriceIndexService(db);
    const contracts = new ContractService(db, priceIndices.repo);
    const recurring = new RecurringService(db, tickets, contracts);
    const interventions = new InterventionService(db, tickets, contracts, recurring);
    this.resources = {
      settings,
      priceIndices,
      contracts,
      recurring,
      interventions,
      supplies: new SupplyService(db, contracts),
      recycling: new RecyclingService(db, contracts),
    };
  }

  private get r() {
    return this.resources;
  }

  getSettings: SettingsService['getSettings'] = (...a) => this.r.settings.getSettings(...a);
  putSettings: SettingsService['putSettings'] = (...a) => this.r.settings.putSettings(...a);

  putContract: ContractService['putContract'] = (...a) => this.r.contracts.putContract(...a);
  getContract: ContractService['getContract'] = (...a) => this.r.contracts.getContract(...a);
  notice: ContractService['notice'] = (...a) => this.r.contracts.notice(...a);
  quote: ContractService['quote'] = (...a) => this.r.contracts.quote(...a);
  amendGrid: ContractService['amendGrid'] = (...a) => this.r.contracts.amendGrid(...a);
  revisionProposal: ContractService['revisionProposal'] = (...a) => this.r.contracts.revisionProposal(...a);
  applyRevision: ContractService['applyRevision'] = (...a) => this.r.contracts.applyRevision(...a);

  addEcbRate: PriceIndexService['addEcbRate'] = (...a) => this.r.priceIndices.addEcbRate(...a);
  ecbRates: PriceIndexService['ecbRates'] = (...a) => this.r.priceIndices.ecbRates(...a);
  addSyntecIndex: PriceIndexService['addSyntecIndex'] = (...a) => this.r.priceIndices.addSyntecIndex(...a);
  syntecIndices: PriceIndexService['syntecIndices'] = (...a) => this.r.priceIndices.syntecIndices(...a);

  recordIntervention: InterventionService['recordIntervention'] = (...a) => this.r.interventions.recordIntervention(...a);
  intervention: InterventionService['intervention'] = (...a) => this.r.interventions.intervention(...a);
  interventions: InterventionService['interventions'] = (...a) => this.r.interventions.interventions(...a);
  updateIntervention: InterventionService['updateIntervention'] = (...a) => this.r.interventions.updateIntervention(...a);
  deleteIntervention: InterventionService['deleteIntervention'] = (...a) => this.r.interventions.deleteIntervention(...a);

  createSchedule: RecurringService['createSchedule'] = (...a) => this.r.recurring.createSchedule(...a);
  schedule: RecurringService['schedule'] = (...a) => this.r.recurring.schedule(...a);
  schedules: RecurringService['schedules'] = (...a) => this.r.recurring.schedules(...a);
  scheduleClient: RecurringService['scheduleClient'] = (...a) => this.r.recurring.scheduleClient(...a);
  requestChange: RecurringService['requestChange'] = (...a) => this.r.recurring.requestChange(...a);

  createOrder: SupplyService['createOrder'] = (...a) => this.r.supplies.createOrder(...a);
  deliverOrder: SupplyService['deliverOrder'] = (...a) => this.r.supplies.deliverOrder(...a);
  cancelOrder: SupplyService['cancelOrder'] = (...a) => this.r.supplies.cancelOrder(...a);
  orderClient: SupplyService['orderClient'] = (...a) => this.r.supplies.orderClient(...a);
  orders: SupplyService['orders'] = (...a) => this.r.supplies.orders(...a);
  suppliedItems: SupplyService['suppliedItems'] = (...a) => this.r.supplies.suppliedItems(...a);

  createPickup: RecyclingService['createPickup'] = (...a) => this.r.recycling.createPickup(...a);
  setBsd: RecyclingService['setBsd'] = (...a) => this.r.recycling.setBsd(...a);
  pickupClient: RecyclingService['pickupClient'] = (...a) => this.r.recycling.pickupClient(...a);
  pickups: RecyclingService['pickups'] = (...a) => this.r.recycling.pickups(...a);
}
