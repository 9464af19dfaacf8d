import type { Selectable } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';
import type { CheckResultsTable, CheckStateTable } from '../store/schema.js';

const resultColumns = ['check', 'target', 'status', 'code', 'message', 'values', 'observed_at'] as const;

export type CheckRow = Pick<Selectable<CheckResultsTable>, (typeof resultColumns)[number]>;
export type CurrentCheckRow = Pick<Selectable<CheckStateTable>, (typeof resultColumns)[number] | 'since'>;

/** Check states and history as the REST API reads them. */
export class ChecksRepository {
  constructor(private readonly db: RelationalStore) {}

  async clientOfDevice(deviceId: number): Promise<number | undefined> {
    return (await this.db.kysely.selectFrom('devices').select('client_id').where('id', '=', deviceId).executeTakeFirst())?.client_id;
  }

  async clientExists(clientId: number): Promise<boolean> {
    return (await this.db.kysely.selectFrom('clients').select('id').where('id', '=', clientId).executeTakeFirst()) !== undefined;
  }

  /** A device's current check states and its latest results (of one check, or all). */
  async ofDevice(deviceId: number, history: number, check?: string): Promise<{ current: CurrentCheckRow[]; history: CheckRow[] }> {
    const current = await this.db.kysely
      .selectFrom('check_state')
      .select([...resultColumns, 'since'])
      .where('device_id', '=', deviceId)
      .orderBy('check')
      .orderBy('target')
      .execute();
    let latest = this.db.kysely.selectFrom('check_results').select(resultColumns).where('device_id', '=', deviceId);
    if (check) latest = latest.where('check', '=', check);
    return { current, history: await latest.orderBy('observed_at', 'desc').orderBy('id', 'desc').limit(history).execute() };
  }

  /** Per check and finding, how many of a client's devices are in that state now; and its devices by worst state. */
  async clientSummary(clientId: number): Promise<{
    findings: { check: string; code: string; status: string; devices: number }[];
    health: { worst: number | null; devices: number }[];
  }> {
    const findings = await this.db.kysely
      .selectFrom('check_state as cs')
      .innerJoin('devices as d', 'd.id', 'cs.device_id')
      .select(['cs.check', 'cs.code', 'cs.status', (eb) => eb.fn.count<number>('cs.device_id').distinct().as('devices')])
      .where('d.client_id', '=', clientId)
      .groupBy(['cs.check', 'cs.code', 'cs.status'])
      // status last: the order SQLite's grouping gave, now said, so that PostgreSQL gives it too
      .orderBy('cs.check')
      .orderBy('cs.code')
      .orderBy('cs.status')
      .execute();
    const worstOfDevice = this.db.kysely
      .selectFrom('devices as d')
      .leftJoin('check_state as cs', 'cs.device_id', 'd.id')
      .select((eb) =>
        eb.fn
          .max<number | null>(
            eb
              .case('cs.status')
              .when('critical')
              .then(eb.lit(3))
              .when('warning')
              .then(eb.lit(2))
              .when('unknown')
              .then(eb.lit(1))
              .when('ok')
              .then(eb.lit(0))
              .end(),
          )
          .as('worst'),
      )
      .where('d.client_id', '=', clientId)
      .groupBy('d.id');
    const health = await this.db.kysely
      .selectFrom(worstOfDevice.as('w'))
      .select(['w.worst', (eb) => eb.fn.countAll<number>().as('devices')])
      .groupBy('w.worst')
      .orderBy('w.worst', (ob) => ob.asc().nullsFirst())
      .execute();
    return { findings, health };
  }
}
