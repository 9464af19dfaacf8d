import type { MetricSeries, SeriesPoints } from '@vigie/shared/api';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import type { Period } from './period.js';
import { type ChartUnit, TimeChart } from './time-chart.js';

/**
 * The series of one or more metric names of a device over a period (`GET …/metrics`, average per
 * step), each tagged with the name it came from. Undefined while loading; a live period (the last
 * hour) is read again every 15 s, moving forward, so it follows the agent's samples as they arrive.
 */
export function useMetricSeries(deviceId: number, names: string[], period: Period): SeriesPoints[] | undefined {
  const [series, setSeries] = useState<SeriesPoints[] | undefined>(undefined);
  const key = names.join(',');
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      const to = period.live ? Date.now() : period.to;
      const from = period.live ? to - period.spanMs : period.from;
      const all: SeriesPoints[] = [];
      for (const name of names) {
        const params = new URLSearchParams({ name, from: String(from), to: String(to), agg: 'avg' });
        if (period.step) params.set('step', period.step);
        try {
          const r = await api<MetricSeries>(`/api/v1/devices/${deviceId}/metrics?${params}`);
          all.push(...r.series.map((s) => ({ ...s, labels: { ...s.labels, __name: name } })));
        } catch (err) {
          // The chart keeps what it showed; the next refresh tries again.
          console.warn('metrics', name, err);
          return;
        }
      }
      if (!stopped) setSeries(all);
    };
    load();
    const every = period.live ? setInterval(load, 15_000) : undefined;
    return () => {
      stopped = true;
      clearInterval(every);
    };
  }, [deviceId, key, period.from, period.to, period.step, period.live]);
  return series;
}

/** The labels of a series as the device gave them (without the metric name). */
export function deviceLabels(s: SeriesPoints): string {
  return Object.entries(s.labels)
    .filter(([k]) => k !== '__name')
    .map(([, v]) => v)
    .join(' ');
}

/** One metric of a device over a period, drawn with uPlot; dragging across it zooms the page's period. */
export function MetricChart({
  deviceId,
  name,
  title,
  period,
  unit,
  onZoom,
}: {
  deviceId: number;
  name: string;
  title: string;
  period: Period;
  unit?: ChartUnit;
  onZoom?: (from: number, to: number) => void;
}) {
  const series = useMetricSeries(deviceId, [name], period);
  return (
    <TimeChart
      title={title}
      series={series}
      spanMs={period.spanMs}
      unit={unit}
      label={(s) => deviceLabels(s) || title}
      attrs={{ 'data-metric': name }}
      {...(onZoom ? { onZoom } : {})}
    />
  );
}
