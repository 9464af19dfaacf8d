import type { LocalDate } from '@vigie/shared';
import type { Database } from '../../store/database.js';
import type { ContractRow, GridRow } from './repository.js';

/**
 * The three contract reads the services still written as better-sqlite3 transactions make inside
 * them (interventions, supplies, recycling, recurring: `ContractService.assertClient`/`gridRowOn`),
 * where no `await` fits. SQLite only, like those callers; the same reads, engine-neutral, are
 * `ContractRepository`'s. Delete this file once those services await `ContractService.gridRowIn`.
 */
export class ContractSyncReads {
  constructor(private readonly db: Database) {}

  clientExists(clientId: number): boolean {
    return this.db.sqlite.prepare('SELECT 1 FROM clients WHERE id = ?').get(clientId) !== undefined;
  }

  contract(clientId: number): ContractRow | undefined {
    return this.db.sqlite.prepare('SELECT * FROM billing_contracts WHERE client_id = ?').get(clientId) as ContractRow | undefined;
  }

  /** The latest grid starting on or before `date`. */
  gridFrom(clientId: number, date: LocalDate): GridRow | undefined {
    return this.db.sqlite
      .prepare('SELECT * FROM price_grids WHERE client_id = ? AND valid_from <= ? ORDER BY valid_from DESC, id DESC LIMIT 1')
      .get(clientId, date) as GridRow | undefined;
  }
}
