import { VigieError } from '@vigie/shared';

/** Where the PostgreSQL metric store lives, from `--metrics postgres://[user[:password]@]host[:port]/database`. */
export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  /** `?sslmode=require` or `verify-full`: TLS to the server, its certificate verified either way (stricter than libpq's `require`). */
  ssl: boolean;
}

const NAME = /^[A-Za-z0-9_-]{1,63}$/;
const USAGE_FR = 'attendu postgres://utilisateur@hôte:port/base';
const USAGE_EN = 'expected postgres://user@host:port/database';

/** Which option the URL came from: its name and error code in the messages (`--metrics` by default). */
export interface PgUrlOption {
  option: string;
  code: 'METRICS_URL_INVALID' | 'DATABASE_URL_INVALID';
  /** What else the option accepts, said after the unknown-scheme error. */
  otherSchemes?: { fr: string; en: string };
}
const METRICS_OPTION: PgUrlOption = {
  option: '--metrics',
  code: 'METRICS_URL_INVALID',
  otherSchemes: { fr: 'influx:// ou influxs:// pour InfluxDB', en: 'influx:// or influxs:// for InfluxDB' },
};

/**
 * `postgres://vigie@db.example:5432/vigie_metrics` (`postgresql://` too). The password may be in
 * the URL or in VIGIE_PG_PASSWORD (kept out of `ps`); `?sslmode=require` asks for TLS. Anything
 * else in the query string is refused rather than silently ignored. Errors never repeat the password.
 */
export function parsePostgresUrl(url: string, env: NodeJS.ProcessEnv = process.env, from: PgUrlOption = METRICS_OPTION): PgTarget {
  // French first, then English: the operator reads it on the console at start-up.
  const invalid = (fr: string, en: string) => new VigieError(from.code, `${from.option}\u00a0: ${fr}\u00a0; ${USAGE_FR}\n${from.option}: ${en}; ${USAGE_EN}`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid('ce n’est pas une URL', 'not a URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw invalid(
      `schéma ${JSON.stringify(u.protocol)} inconnu (postgres:// pour PostgreSQL${from.otherSchemes ? `, ${from.otherSchemes.fr}` : ''})`,
      `unknown scheme ${JSON.stringify(u.protocol)} (postgres:// for PostgreSQL${from.otherSchemes ? `, ${from.otherSchemes.en}` : ''})`,
    );
  if (!u.hostname) throw invalid('il manque l’hôte', 'a host is required');
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw invalid('il manque le nom de la base (le chemin de l’URL)', 'the database name (the URL path) is missing');
  if (!NAME.test(database))
    throw invalid('le nom de la base doit compter 1 à 63 lettres, chiffres, _ ou -', 'the database name must be 1-63 letters, digits, _ or -');
  const port = u.port ? Number(u.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('port invalide', 'invalid port');
  let ssl = false;
  for (const [k, v] of u.searchParams) {
    if (k === 'sslmode' && ['disable', 'require', 'verify-full'].includes(v)) ssl = v !== 'disable';
    else
      throw invalid(
        `paramètre «\u00a0${k}\u00a0» non pris en charge (seul sslmode=disable|require|verify-full l’est)`,
        `unsupported parameter "${k}" (only sslmode=disable|require|verify-full)`,
      );
  }
  const user = u.username ? decodeURIComponent(u.username) : 'postgres';
  const password = u.password ? decodeURIComponent(u.password) : env.VIGIE_PG_PASSWORD;
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port, database, user, ...(password ? { password } : {}), ssl };
}

/** The target without its password, for logs and errors. */
export function describePgTarget(t: PgTarget): string {
  return `postgres://${t.user}@${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}/${t.database}${t.ssl ? '?sslmode=require' : ''}`;
}
