import type { DeviceDetail } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { deviceLabels, useMetricSeries } from '../../components/metric-chart.js';
import type { Period } from '../../components/period.js';
import { TimeChart } from '../../components/time-chart.js';
import { Async, Empty, StateBadge } from '../../components/ui.js';
import { currentLang, fmt, t, tOr } from '../../i18n/i18n.js';
import { checkName } from '../../labels.js';
import { href } from '../../router.js';
import { useApi } from '../../use-api.js';
export type WatchedDetail = DeviceDetail;

type Check = DeviceDetail['checks'][number];
type Latest = WatchedDetail['latestMetrics'];

/** Values of a labelled metric by label value: `net_if_in_bps{if=Gi0/1}` → { 'Gi0/1': v }. */
export function byLabel(latest: Latest, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, v] of Object.entries(latest)) {
    if (!key.startsWith(`${name}{`) || !key.endsWith('}')) continue;
    const eq = key.indexOf('=');
    if (eq > 0) out.set(key.slice(eq + 1, -1), v.value);
  }
  return out;
}

const value = (latest: Latest, key: string): number | undefined => latest[key]?.value;

/** The devices without an agent that the site's agent watches (site role), one card each. */
export function WatchedDevices({
  devices,
  period,
  onZoom,
}: {
  devices: { id: number; hostname: string }[];
  period: Period;
  onZoom: (from: number, to: number) => void;
}) {
  if (devices.length === 0) return <Empty text={t('network.noDevices')} />;
  // Each card knows its kind once loaded: styles.css puts routers and switches first, full width.
  return (
    <div class="watched-grid" data-testid="watched-devices">
      {devices.map((d) => (
        <WatchedDevice key={d.id} id={d.id} period={period} onZoom={onZoom} />
      ))}
    </div>
  );
}

function WatchedDevice({ id, period, onZoom }: { id: number; period: Period; onZoom: (from: number, to: number) => void }) {
  const detail = useApi<WatchedDetail>(`/api/v1/devices/${id}`);
  return (
    <Async state={detail}>
      {(d) => {
        const kind = d.watched?.kind ?? 'unknown';
        const state = d.state;
        const uptime = value(d.latestMetrics, 'snmp_uptime_s') ?? d.watched?.uptimeSec;
        return (
          <article class="card watched" data-watched={d.device.hostname} data-kind={kind}>
            <header class="card-head">
              <h2>
                <a href={href(`/devices/${d.device.id}`)}>{d.device.hostname}</a> <span class="muted small">{tOr(`network.kind.${kind}`, kind)}</span>
              </h2>
              <StateBadge state={state} />
            </header>
            <p class="muted small">
              <span class="mono">{d.watched?.address ?? ''}</span>
              {d.watched?.description ? ` · ${d.watched.description}` : ''}
              {d.device.serial ? ` · ${t('devices.serial')} ${d.device.serial}` : ''}
              {uptime !== undefined ? ` · ${t('network.uptime', { duration: fmt.duration(uptime * 1000) })}` : ''}
              {` · ${t('device.lastPolled', { date: fmt.dateTime(d.device.lastSeenAt) })}`}
            </p>
            <WatchedPlace watched={d.watched} />
            {kind === 'printer' && <Supplies latest={d.latestMetrics} checks={d.checks} />}
            {/* A UPS, or a device with a UPS inside (a printer answering the UPS-MIB too). */}
            {(kind === 'ups' || value(d.latestMetrics, 'ups_on_battery') !== undefined) && <UpsState latest={d.latestMetrics} />}
            {byLabel(d.latestMetrics, 'net_if_in_bps').size > 0 && (
              <Interfaces deviceId={d.device.id} latest={d.latestMetrics} checks={d.checks} period={period} onZoom={onZoom} />
            )}
            <CheckTable checks={d.checks.filter((c) => c.check !== 'snmp-interface' && c.check !== 'snmp-supply')} />
          </article>
        );
      }}
    </Async>
  );
}

/** Where the device is and whom to call, as its administrator set them (sysLocation, sysContact). */
export function WatchedPlace({ watched }: { watched: WatchedDetail['watched'] }) {
  if (!watched?.location && !watched?.contact) return null;
  return (
    <p class="small" data-testid="watched-place">
      {watched.location ? (
        <span data-testid="watched-location">
          {t('network.location')} {watched.location}
        </span>
      ) : null}
      {watched.location && watched.contact ? ' · ' : ''}
      {watched.contact ? (
        <span data-testid="watched-contact">
          {t('network.contact')} {watched.contact}
        </span>
      ) : null}
    </p>
  );
}

/** The check of a target named after `suffix` (the agent's targets are `addr:port if <name>`, `addr:port supply <name>`). */
function checkFor(checks: Check[], check: string, suffix: string): Check | undefined {
  return checks.find((c) => c.check === check && c.target.endsWith(suffix));
}

function Interfaces({
  deviceId,
  latest,
  checks,
  period,
  onZoom,
}: {
  deviceId: number;
  latest: Latest;
  checks: Check[];
  period: Period;
  onZoom: (from: number, to: number) => void;
}) {
  const ins = byLabel(latest, 'net_if_in_bps');
  const outs = byLabel(latest, 'net_if_out_bps');
  const speeds = byLabel(latest, 'net_if_speed_bps');
  const up = byLabel(latest, 'net_if_oper_up');
  const names = [...new Set([...ins.keys(), ...outs.keys()])].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const [shown, setShown] = useState('');
  const series = useMetricSeries(deviceId, ['net_if_in_bps', 'net_if_out_bps'], period);
  const chosen = series?.filter((s) => !shown || s.labels.if === shown);
  return (
    <>
      <h3>{t('network.interfaces')}</h3>
      <table class="table compact cards" data-testid="interfaces">
        <thead>
          <tr>
            <th>{t('network.interface')}</th>
            <th>{t('check.status')}</th>
            <th class="num">{t('flows.dir.inbound')}</th>
            <th class="num">{t('flows.dir.outbound')}</th>
            <th class="num">{t('network.speed')}</th>
            <th class="num">{t('network.usage')}</th>
          </tr>
        </thead>
        <tbody>
          {names.map((n) => {
            const c = checkFor(checks, 'snmp-interface', ` if ${n}`);
            const speed = speeds.get(n);
            const peak = Math.max(ins.get(n) ?? 0, outs.get(n) ?? 0);
            return (
              <tr data-if={n}>
                <td class="mono card-title">{n}</td>
                <td data-label={t('check.status')}>
                  {c ? <StateBadge state={c.status} /> : up.has(n) ? <StateBadge state={up.get(n) ? 'ok' : 'warning'} /> : ''}
                </td>
                <td class="num" data-label={t('flows.dir.inbound')}>
                  {fmt.bps(ins.get(n))}
                </td>
                <td class="num" data-label={t('flows.dir.outbound')}>
                  {fmt.bps(outs.get(n))}
                </td>
                <td class="num" data-label={t('network.speed')}>
                  {speed ? fmt.bps(speed) : '—'}
                </td>
                <td class="num" data-label={t('network.usage')}>
                  {speed ? fmt.pct((peak / speed) * 100) : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="row chart-head">
        <label>
          {t('network.interface')}
          <select value={shown} onChange={(e) => setShown((e.currentTarget as HTMLSelectElement).value)} data-testid="interface-select">
            <option value="">{t('app.all')}</option>
            {names.map((n) => (
              <option value={n}>{n}</option>
            ))}
          </select>
        </label>
      </div>
      <TimeChart
        title={t('network.bandwidth')}
        series={chosen}
        spanMs={period.spanMs}
        unit="bps"
        label={(s) => `${deviceLabels(s)} ${s.labels.__name === 'net_if_in_bps' ? t('network.in') : t('network.out')}`}
        attrs={{ 'data-chart': 'bandwidth' }}
        onZoom={onZoom}
      />
    </>
  );
}

function Supplies({ latest, checks }: { latest: Latest; checks: Check[] }) {
  const levels = byLabel(latest, 'printer_supply_pct');
  const pages = value(latest, 'printer_page_count');
  const supplyChecks = checks.filter((c) => c.check === 'snmp-supply');
  const names = [...new Set([...levels.keys(), ...supplyChecks.map((c) => c.target.replace(/^.* supply /, ''))])];
  return (
    <>
      <h3>{t('network.supplies')}</h3>
      <ul class="plain supplies" data-testid="supplies">
        {names.map((n) => {
          const pct = levels.get(n);
          const c = checkFor(checks, 'snmp-supply', ` supply ${n}`);
          return (
            <li data-supply={n} data-level={pct ?? ''}>
              <span class="supply-name">{n}</span>
              <meter min={0} max={100} low={20} high={50} optimum={100} value={pct ?? 0} aria-label={n} />
              <span class="num">{pct === undefined ? '—' : fmt.pct(pct)}</span>
              {c ? <StateBadge state={c.status} /> : <span />}
              {/* A problem, or a level the printer does not give (some remaining, unknown): said in words. */}
              {c && (c.status !== 'ok' || pct === undefined) ? <span class="muted small">{c.text?.[currentLang()] ?? c.message}</span> : null}
            </li>
          );
        })}
      </ul>
      {pages !== undefined && <p class="muted small">{t('network.pages', { count: fmt.number(pages) })}</p>}
    </>
  );
}

function UpsState({ latest }: { latest: Latest }) {
  const onBattery = value(latest, 'ups_on_battery');
  const charge = value(latest, 'ups_charge_pct');
  const runtime = value(latest, 'ups_runtime_min');
  const since = value(latest, 'ups_seconds_on_battery');
  return (
    <>
      <h3>{t('network.ups')}</h3>
      <dl class="kv" data-testid="ups">
        <dt>{t('network.ups.source')}</dt>
        <dd data-testid="ups-source">
          {onBattery === undefined ? (
            '—'
          ) : onBattery ? (
            <span class="badge state-critical">{t('network.ups.battery')}</span>
          ) : (
            <span class="badge state-ok">{t('network.ups.mains')}</span>
          )}
          {onBattery && since ? <span class="muted small"> {t('network.ups.since', { duration: fmt.duration(since * 1000) })}</span> : null}
        </dd>
        <dt>{t('network.ups.charge')}</dt>
        <dd>
          <meter min={0} max={100} low={50} high={80} optimum={100} value={charge ?? 0} aria-label={t('network.ups.charge')} />{' '}
          <span data-testid="ups-charge">{charge === undefined ? '—' : fmt.pct(charge)}</span>
        </dd>
        <dt>{t('network.ups.runtime')}</dt>
        <dd data-testid="ups-runtime">{runtime === undefined ? '—' : `${fmt.number(runtime)} min`}</dd>
      </dl>
    </>
  );
}

function CheckTable({ checks }: { checks: Check[] }) {
  if (checks.length === 0) return null;
  return (
    <>
      <h3>{t('device.checks')}</h3>
      <table class="table compact cards" data-testid="watched-checks">
        <tbody>
          {checks.map((c) => (
            <tr>
              <td>{checkName(c.check)}</td>
              <td>
                <StateBadge state={c.status} />
              </td>
              <td>{c.text?.[currentLang()] ?? c.message ?? c.code ?? ''}</td>
              <td class="muted">{t('network.since', { date: fmt.dateTime(c.since) })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
