import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { runStatements } from './sql-for-engine.js';

/**
 * An agent's commands are delivered in the order they were queued. SQLite gave that order by rowid;
 * PostgreSQL has no rowid and command ids are random, so the order becomes a column that a trigger
 * fills on every insert, whoever inserts (commands, patches, updates): the rowid on SQLite (existing
 * rows keep their order), a sequence on PostgreSQL (taken at insert time, so collectors inserting at
 * once never share a number). No PostgreSQL database predates this.
 */
export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, [
    'ALTER TABLE commands ADD COLUMN queue_seq INTEGER',
    { sqlite: 'UPDATE commands SET queue_seq = rowid', postgres: ['CREATE SEQUENCE commands_queue_numbers'] },
    {
      sqlite: `CREATE TRIGGER commands_queue_seq AFTER INSERT ON commands WHEN NEW.queue_seq IS NULL
       BEGIN UPDATE commands SET queue_seq = NEW.rowid WHERE rowid = NEW.rowid; END`,
      postgres: [
        `CREATE FUNCTION commands_queue_seq() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.queue_seq IS NULL THEN NEW.queue_seq := nextval('commands_queue_numbers'); END IF; RETURN NEW; END $$`,
        'CREATE TRIGGER commands_queue_seq BEFORE INSERT ON commands FOR EACH ROW EXECUTE FUNCTION commands_queue_seq()',
      ],
    },
    'CREATE INDEX commands_agent_queue ON commands (agent_id, state, queue_seq)',
  ]);
}
