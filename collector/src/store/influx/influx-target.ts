import { VigieError } from '@vigie/shared';

/** Where the InfluxDB 1.x metric store lives, from `--metrics influx://[user:password@]host:port/database`. */
export interface InfluxTarget {
  protocol: 'http' | 'https';
  host: string;
  port: number;
  database: string;
  username?: string;
  password?: string;
}

const DATABASE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * `influx://host:8086/vigie` (HTTP) or `influxs://host:8086/vigie` (HTTPS); user and password may
 * be given in the URL (or with VIGIE_INFLUX_PASSWORD, which keeps the password out of `ps`).
 */
export function parseInfluxUrl(url: string, env: NodeJS.ProcessEnv = process.env): InfluxTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new VigieError('VALIDATION', `--metrics: not a URL; expected influx://host:port/database`);
  }
  if (u.protocol !== 'influx:' && u.protocol !== 'influxs:')
    throw new VigieError(
      'VALIDATION',
      `--metrics: unknown scheme ${JSON.stringify(u.protocol)}; expected influx://host:port/database (or influxs:// for HTTPS)`,
    );
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!DATABASE_NAME.test(database))
    throw new VigieError('VALIDATION', '--metrics: the database name (the path, e.g. influx://host:8086/vigie) must be 1-64 letters, digits, _ or -');
  if (!u.hostname) throw new VigieError('VALIDATION', '--metrics: a host is required (influx://host:port/database)');
  const password = u.password ? decodeURIComponent(u.password) : env.VIGIE_INFLUX_PASSWORD;
  return {
    protocol: u.protocol === 'influxs:' ? 'https' : 'http',
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : 8086,
    database,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(password ? { password } : {}),
  };
}

/** The target without its password, for logs and errors. */
export function describeInfluxTarget(t: InfluxTarget): string {
  return `${t.protocol === 'https' ? 'influxs' : 'influx'}://${t.username ? `${t.username}@` : ''}${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}/${t.database}`;
}
