import { VigieError } from '@vigie/shared';
import { describePgTarget, type PgTarget, parsePostgresUrl } from './postgres/pg-target.js';
import { isPostgresUrl } from './postgres-database.js';

/**
 * Where the relational store lives, from `serve --database <path | postgres://…>` (or
 * VIGIE_DATABASE_URL): a SQLite file (the default, `<data-dir>/vigie.db`) or a PostgreSQL database.
 */
export type DatabaseTarget = { engine: 'sqlite'; path: string } | { engine: 'postgres'; target: PgTarget };

const OPTION = '--database';

/**
 * A path is SQLite; `postgres://` or `postgresql://` is PostgreSQL, checked as `--metrics` checks
 * its URL (host, database name, port, sslmode only), with the error code of this option; any other
 * `scheme://` is refused rather than taken for a file name. Errors never repeat the password.
 */
export function parseDatabaseTarget(value: string, env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
  if (isPostgresUrl(value)) {
    return {
      engine: 'postgres',
      target: parsePostgresUrl(value, env, { option: OPTION, code: 'DATABASE_URL_INVALID' }),
    };
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1];
  if (scheme !== undefined)
    throw new VigieError(
      'DATABASE_URL_INVALID',
      `${OPTION}\u00a0: schéma «\u00a0${scheme}://\u00a0» inconnu\u00a0; attendu un chemin de fichier SQLite ou postgres://utilisateur@hôte:port/base\n` +
        `${OPTION}: unknown scheme "${scheme}://"; expected a SQLite file path or postgres://user@host:port/database`,
    );
  if (value.trim() === '')
    throw new VigieError(
      'DATABASE_URL_INVALID',
      `${OPTION}\u00a0: vide\u00a0; attendu un chemin de fichier SQLite ou postgres://utilisateur@hôte:port/base\n${OPTION}: empty; expected a SQLite file path or postgres://user@host:port/database`,
    );
  return { engine: 'sqlite', path: value };
}

/** The target for logs and errors: the file, or the URL without its password. */
export function describeDatabaseTarget(t: DatabaseTarget): string {
  return t.engine === 'sqlite' ? t.path : describePgTarget(t.target);
}
