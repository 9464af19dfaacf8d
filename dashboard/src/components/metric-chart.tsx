import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { type ChartUnit, type SeriesPoints, TimeChart } from './time-chart.js';

export type Range = 'hour' | 'day' | 'month' | 'twoYears';
/** Span and bucket of each range (the collector picks raw, 5 min or 1 h rollups from the step). */
export const RANGES: Record<Range, { spanMs: number; step?: string }> = {
  hour: { spanMs: 3600_000 },
  day: { spanMs: 86_400_000, step: '5m' },
  month: { spanMs: 30 * 86_400_000, step: '6h' },
  twoYears: { spanMs: 730 * 86_400_000, step: '1d' },
};

/** A period of a metric query: the last `spanMs` until now, or fixed bounds. */
export interface MetricPeriod {
  spanMs: number;
  step?: string | undefined;
  /** Fixed end (UTC ms); otherwise now, and the hour view follows new samples every 15 s. */
  to?: number | undefined;
}

/**
 * The series of one or more metric names of a device over a period (`GET …/metrics`, average per
 * step), each tagged with the name it came from. Undefined while loading.
 */
export function useMetricSeries(deviceId: number, names: string[], period: MetricPeriod): SeriesPoints[] | undefined {
  const [series, setSeries] = useState<SeriesPoints[] | undefined>(undefined);
  const key = names.join(',');
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      const to = period.to ?? Date.now();
      const all: SeriesPoints[] = [];
      for (const name of names) {
        const params = new URLSearchParams({ name, from: String(to - period.spanMs), to: String(to), agg: 'avg' });
        if (period.step) params.set('step', period.step);
        try {
          const r = await api<{ series: SeriesPoints[] }>(`/api/v1/devices/${deviceId}/metrics?${params}`);
          all.push(...r.series.map((s) => ({ ...s, labels: { ...s.labels, __name: name } })));
        } catch {
          return;
        }
      }
      if (!stopped) setSeries(all);
    };
    load();
    const every = period.to === undefined && period.spanMs <= 3600_000 ? setInterval(load, 15_000) : undefined;
    return () => {
      stopped = true;
      clearInterval(every);
    };
  }, [deviceId, key, period.spanMs, period.step, period.to]);
  return series;
}

/** The labels of a series as the device gave them (without the metric name). */
export function deviceLabels(s: SeriesPoints): string {
  return Object.entries(s.labels)
    .filter(([k]) => k !== '__name')
    .map(([, v]) => v)
    .join(' ');
}

/**
 * One metric of a device over a range, drawn with uPlot. The hour view refreshes itself every
 * 15 s, so it follows the agent's samples as they arrive.
 */
export function MetricChart({ deviceId, name, title, range, unit }: { deviceId: number; name: string; title: string; range: Range; unit?: ChartUnit }) {
  const r = RANGES[range];
  const series = useMetricSeries(deviceId, [name], r);
  return <TimeChart title={title} series={series} spanMs={r.spanMs} unit={unit} label={(s) => deviceLabels(s) || title} attrs={{ 'data-metric': name }} />;
}
