import { assertLocalDate, type LocalDate, VigieError } from '@vigie/shared';
import type { Pickup } from '@vigie/shared/api';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { SessionUser } from '../../auth/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import { fail } from '../contract-refusal.js';
import type { ContractService } from '../contracts/service.js';
import { TicketTimeline } from '../ticket-timeline.js';
import { RecyclingRepository } from './repository.js';

export interface PickupInput {
  pickedUpOn: LocalDate;
  description: string;
  weightGrams: number;
  transportCents: number;
  handlingCents: number;
  recyclingRateCentsPerKg: number;
  bsdReference?: string;
  ticketId?: number;
}

/** DEEE pickups (contract 2.5): transport, handling and recycling by weight, with the waste tracking form. */
export class RecyclingService {
  readonly repo: RecyclingRepository;
  private readonly timeline: TicketTimeline;

  constructor(
    private readonly db: RelationalStore,
    private readonly contracts: ContractService,
  ) {
    this.repo = new RecyclingRepository(db);
    this.timeline = new TicketTimeline(db);
  }

  async createPickup(clientId: number, input: PickupInput, user: SessionUser, now = Date.now()): Promise<number> {
    assertLocalDate(input.pickedUpOn);
    if (!input.description.trim()) fail('Décrivez les équipements enlevés');
    if (!Number.isSafeInteger(input.weightGrams) || input.weightGrams <= 0) fail(`Poids invalide (grammes > 0) : ${input.weightGrams}`);
    for (const [k, v] of [
      ['transport', input.transportCents],
      ['acheminement et conditionnement', input.handlingCents],
      ['recyclage au kg', input.recyclingRateCentsPerKg],
    ] as const)
      if (!Number.isSafeInteger(v) || v < 0) fail(`Frais de ${k} invalides (centimes ≥ 0) : ${v}`);
    // 2.5: recycling by total weight, rounded to the cent (half up), computed exactly.
    const recycling = Number((BigInt(input.weightGrams) * BigInt(input.recyclingRateCentsPerKg) * 2n + 1000n) / 2000n);
    return this.db.kysely.transaction().execute(async (tx) => {
      await this.contracts.assertClientIn(clientId, tx);
      if (input.ticketId !== undefined) await this.timeline.ticketOf(input.ticketId, clientId, tx);
      if (!(await this.repo.hasContract(clientId, tx))) fail('Ce client n’a pas de contrat');
      const id = await this.repo.insert(
        {
          client_id: clientId,
          ticket_id: input.ticketId ?? null,
          picked_up_on: input.pickedUpOn,
          description: input.description,
          weight_grams: input.weightGrams,
          transport_cents: input.transportCents,
          handling_cents: input.handlingCents,
          recycling_rate_cents_per_kg: input.recyclingRateCentsPerKg,
          recycling_cents: recycling,
          bsd_reference: input.bsdReference ?? null,
          created_by: user.id,
          created_at: now,
        },
        tx,
      );
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'recycling.pickup',
        `pickup:${id}`,
        { pickedUpOn: input.pickedUpOn, weightGrams: input.weightGrams, recyclingCents: recycling },
        { clientId },
        now,
      );
      return id;
    });
  }

  /** The waste tracking form (BSD) reference, which arrives after the pickup (2.5). */
  async setBsd(pickupId: number, reference: string, actor = 'system:billing', now = Date.now()): Promise<void> {
    if (!reference.trim() || reference.length > 100) fail('Référence de BSD invalide');
    await this.db.kysely.transaction().execute(async (tx) => {
      const clientId = await this.repo.setBsd(pickupId, reference.trim(), tx);
      if (clientId === undefined) throw new VigieError('NOT_FOUND');
      await appendAuditInTransaction(tx, this.db.dialect, actor, 'recycling.bsd', `pickup:${pickupId}`, { reference: reference.trim() }, { clientId }, now);
    });
  }

  async pickupClient(pickupId: number): Promise<number | undefined> {
    return this.repo.pickupClient(pickupId);
  }

  async pickups(clientId: number | undefined): Promise<Pickup[]> {
    return this.repo.list(clientId);
  }
}
