/** What only the InfluxDB store has: its schema on the server, the continuous queries' upkeep, its limits. Real influxd. */
import { type Influxd, startInfluxd } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION } from '../metric-store.js';
import { InfluxMetricStore } from './influx-metric-store.js';
import { decodeTag, encodeTag } from './influx-query.js';
import { policyHours } from './influx-schema.js';
import { describeInfluxTarget, parseInfluxUrl } from './influx-target.js';

const DAY = 86_400_000;
let influxd: Influxd;

beforeAll(async () => {
  influxd = await startInfluxd();
});
afterAll(async () => influxd?.stop());

const cqNames = async (db: string) => (await influxd.query('SHOW CONTINUOUS QUERIES')).find((s) => s.name === db)?.values?.map((v) => String(v[0])) ?? [];
const policies = async (db: string) => (await influxd.query(`SHOW RETENTION POLICIES ON "${db}"`))[0]!.values.map((v) => [v[0], v[1], v[4]]);

describe('InfluxDB store: schema on the server', () => {
  it('creates the database, the default retention (30 days raw, 1 year 5-minute, 3 years hourly) and two continuous queries', async () => {
    const { store, schema } = await InfluxMetricStore.open(parseInfluxUrl(influxd.url('schema_a')));
    expect(schema.policiesCreated).toEqual(['vigie_raw', 'vigie_5m', 'vigie_1h', 'vigie_meta']);
    expect(await policies('schema_a')).toEqual(
      expect.arrayContaining([
        ['vigie_raw', `${policyHours(DEFAULT_RETENTION.rawMs)}h0m0s`, true],
        ['vigie_5m', '8784h0m0s', false],
        ['vigie_1h', '26352h0m0s', false],
        ['vigie_meta', '0s', false],
      ]),
    );
    expect(policyHours(DEFAULT_RETENTION.rawMs)).toBe(720);
    const cqs = (await influxd.query('SHOW CONTINUOUS QUERIES')).find((s) => s.name === 'schema_a')!.values!;
    expect(cqs.map((v) => String(v[1]))).toEqual([
      expect.stringMatching(
        /RESAMPLE EVERY 1m FOR 15m BEGIN SELECT count\(value\) AS count, sum\(value\) AS sum, min\(value\) AS min, max\(value\) AS max, last\(value\) AS last INTO schema_a\.vigie_5m\.rollup_5m FROM schema_a\.vigie_raw\.samples GROUP BY time\(5m\), \* END/,
      ),
      expect.stringMatching(
        /RESAMPLE EVERY 1m FOR 2h BEGIN SELECT sum\(count\) AS count, .* INTO schema_a\.vigie_1h\.rollup_1h FROM schema_a\.vigie_5m\.rollup_5m GROUP BY time\(1h\), \* END/,
      ),
    ]);
    // A second process opening the same database changes nothing.
    const again = await InfluxMetricStore.open(parseInfluxUrl(influxd.url('schema_a')));
    expect(again.schema).toEqual({ policiesCreated: [], policiesAltered: [], queriesCreated: [], queriesDropped: [] });
    await store.close();
  });

  it('follows a changed configuration: retention altered, continuous queries replaced', async () => {
    await InfluxMetricStore.open(parseInfluxUrl(influxd.url('schema_b')));
    const before = await cqNames('schema_b');
    const { schema } = await InfluxMetricStore.open(parseInfluxUrl(influxd.url('schema_b')), {
      retention: { rawMs: 7 * DAY, fiveMinMs: 90 * DAY, hourMs: 800 * DAY },
      cqEvery: '30s',
    });
    expect(schema.policiesAltered).toEqual(['vigie_raw', 'vigie_5m', 'vigie_1h']);
    expect(schema.queriesDropped.sort()).toEqual([...before].sort());
    expect(await policies('schema_b')).toEqual(expect.arrayContaining([['vigie_raw', '168h0m0s', true]]));
    const after = await cqNames('schema_b');
    expect(after).toHaveLength(2);
    expect(after.some((n) => before.includes(n))).toBe(false);
  });

  it('maintain() re-creates a continuous query dropped by hand, and counts it', async () => {
    const { store } = await InfluxMetricStore.open(parseInfluxUrl(influxd.url('schema_c')));
    const [first] = await cqNames('schema_c');
    await influxd.query(`DROP CONTINUOUS QUERY "${first}" ON "schema_c"`);
    expect(await cqNames('schema_c')).toHaveLength(1);
    await store.maintain(Date.now());
    expect(await cqNames('schema_c')).toHaveLength(2);
    expect(await cqNames('schema_c')).toContain(first);
    expect(store.stats.queriesRecreated).toBe(1);
    await store.maintain(Date.now());
    expect(store.stats.queriesRecreated).toBe(1);
  });
});

describe('InfluxDB store: limits', () => {
  it('does not send samples older than the raw retention (InfluxDB would refuse the whole request) and counts them', async () => {
    const { store } = await InfluxMetricStore.open(parseInfluxUrl(influxd.url('limits_a')));
    const told: [number, number, number][] = [];
    store.onExpired = (deviceId, values, oldestTs) => told.push([deviceId, values, oldestTs]);
    const now = Date.now();
    await store.write([
      {
        deviceId: 7,
        samples: [
          { ts: now - 31 * DAY, values: { 'cpu.usage_pct': 1, uptime_s: 2 } },
          { ts: now - 1000, values: { 'cpu.usage_pct': 3, 'bad.value': Number.NaN } },
        ],
      },
    ]);
    expect(store.stats.expiredOnArrival).toBe(2);
    expect(told).toEqual([[7, 2, now - 31 * DAY]]);
    expect(await store.latest(7)).toEqual({ 'cpu.usage_pct': { ts: now - 1000, value: 3 } });
    // The newest sample still reaches the rules engine, like the embedded store's.
    expect([...store.newestSamples()].map(([d, s]) => [d, s.ts])).toEqual([[7, now - 1000]]);
  });

  it('reads names holding quotes and backslashes as names (InfluxQL string literals)', async () => {
    const { store } = await InfluxMetricStore.open(parseInfluxUrl(influxd.url('limits_b')));
    const now = Date.now();
    await store.write([{ deviceId: 3, samples: [{ ts: now - 1000, values: { 'cpu.usage_pct': 1 } }] }]);
    for (const name of ["cpu.usage_pct' OR 'a'='a", 'cpu.usage_pct\\', "\\' OR device != '"]) {
      expect(await store.query({ deviceId: 3, name, from: now - 60_000, to: now })).toEqual([]);
      expect(await store.bucketCounts({ resolution: '5m', devices: [{ deviceId: 3, names: [name], windows: [{ from: now - 3_600_000, to: now }] }] })).toEqual([
        [0],
      ]);
    }
    expect((await store.query({ deviceId: 3, name: 'cpu.usage_pct', from: now - 60_000, to: now }))[0]!.points).toHaveLength(1);
  });

  it('refuses an unreachable server at start with a clear error', async () => {
    const closed = parseInfluxUrl('influx://127.0.0.1:1/vigie');
    await expect(InfluxMetricStore.open(closed)).rejects.toMatchObject({
      code: 'VIGIE_E_METRICS_UNAVAILABLE',
      message: expect.stringContaining('influx://127.0.0.1:1/vigie'),
    });
  });
});

describe('InfluxDB target and tags', () => {
  it.each([
    ['influx://db.example:8086/vigie', { protocol: 'http', host: 'db.example', port: 8086, database: 'vigie' }],
    [
      'influxs://metrics:s%40cret@[::1]:9999/prod_metrics',
      { protocol: 'https', host: '::1', port: 9999, database: 'prod_metrics', username: 'metrics', password: 's@cret' },
    ],
    ['influx://localhost/v', { port: 8086, database: 'v' }],
  ])('%s', (url, want) => {
    expect(parseInfluxUrl(url, {})).toMatchObject(want);
  });

  it('takes the password from VIGIE_INFLUX_PASSWORD and never prints it', () => {
    const t = parseInfluxUrl('influx://vigie@h:8086/m', { VIGIE_INFLUX_PASSWORD: 'hunter2' });
    expect(t.password).toBe('hunter2');
    expect(describeInfluxTarget(t)).toBe('influx://vigie@h:8086/m');
    expect(describeInfluxTarget(parseInfluxUrl('influx://u:pw@h:1/m', {}))).not.toContain('pw');
  });

  it.each([
    ['http://h:8086/vigie', /unknown scheme/],
    ['influx://h:8086/', /database name/],
    ['influx://h:8086/a;drop', /database name/],
    ['not a url', /not a URL/],
  ])('refuses %s', (url, message) => {
    expect(() => parseInfluxUrl(url, {})).toThrow(message);
  });

  it('encodes what line protocol cannot carry in a tag, and reads it back', () => {
    for (const key of ['fs.used_pct{mount=C:\\}', 'x{a=50% \\\\srv\\share}', 'net_if_up{if=eth0}', 'y{a=tab\there}']) {
      expect(encodeTag(key)).not.toMatch(/[\\\t]$/);
      expect(decodeTag(encodeTag(key))).toBe(key);
    }
    expect(encodeTag('fs.used_pct{mount=C:\\}')).toBe('fs.used_pct{mount=C:%5c}');
  });
});
