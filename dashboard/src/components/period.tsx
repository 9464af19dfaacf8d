import { addDays, isLocalDate, parisMidnight } from '@vigie/shared/calendar';
import { useState } from 'preact/hooks';
import { fmt, parisToday, t } from '../i18n/i18n.js';

export type PresetPeriod = 'hour' | 'day' | 'week' | 'month' | 'twoYears';
const PRESETS: Record<PresetPeriod, { spanMs: number; step?: string }> = {
  hour: { spanMs: 3600_000 },
  day: { spanMs: 86_400_000, step: '5m' },
  week: { spanMs: 7 * 86_400_000, step: '1h' },
  month: { spanMs: 30 * 86_400_000, step: '6h' },
  twoYears: { spanMs: 730 * 86_400_000, step: '1d' },
};

/**
 * A chosen period (issue 18, point 9): a preset ending now, two dates, or a stretch zoomed into on a
 * chart. Its bounds are fixed when it is chosen, so that every query of the page asks the same;
 * `live` periods (the last hour) move forward by themselves.
 */
export interface Period {
  key: PresetPeriod | 'custom' | 'zoom';
  from: number;
  to: number;
  spanMs: number;
  /** Metric step for charts over this period (the collector reads raw, 5-minute or hourly rollups from it). */
  step?: string | undefined;
  /** Follows new samples (the last hour). */
  live?: boolean;
}

/** The finest step that keeps a chart readable (a few hundred points) over a span. */
export function stepFor(spanMs: number): string | undefined {
  if (spanMs <= 3 * 3600_000) return undefined;
  if (spanMs <= 2 * 86_400_000) return '5m';
  if (spanMs <= 14 * 86_400_000) return '1h';
  if (spanMs <= 120 * 86_400_000) return '6h';
  return '1d';
}

export function presetPeriod(key: PresetPeriod, now = Date.now()): Period {
  const p = PRESETS[key];
  return { key, from: now - p.spanMs, to: now, spanMs: p.spanMs, step: p.step, live: key === 'hour' };
}

/** Whole Paris days, `fromDay` to `toDay` included. */
export function customPeriod(fromDay: string, toDay: string): Period | undefined {
  // A date field is empty or half typed while the user edits it: no period yet.
  if (!isLocalDate(fromDay) || !isLocalDate(toDay)) return undefined;
  const from = parisMidnight(fromDay);
  const to = parisMidnight(addDays(toDay, 1));
  if (!(to > from)) return undefined;
  return { key: 'custom', from, to, spanMs: to - from, step: stepFor(to - from) };
}

/** A stretch selected on a chart; a minute at least. */
export function zoomPeriod(from: number, to: number): Period {
  const a = Math.floor(Math.min(from, to));
  const b = Math.ceil(Math.max(from, to, Math.min(from, to) + 60_000));
  return { key: 'zoom', from: a, to: b, spanMs: b - a, step: stepFor(b - a) };
}

/** Tabs for the usual periods, two dates for any other, and the way back from a zoom. */
export function PeriodPicker({
  value,
  onChange,
  presets = ['hour', 'day', 'week', 'month'],
  zoomedFrom,
}: {
  value: Period;
  onChange: (p: Period) => void;
  presets?: PresetPeriod[];
  /** The period a zoom started from: "back" returns to it. */
  zoomedFrom?: Period | undefined;
}) {
  const today = parisToday();
  const [fromDay, setFromDay] = useState(addDays(today, -6));
  const [toDay, setToDay] = useState(today);
  const custom = customPeriod(fromDay, toDay);
  return (
    <div class="row wrap period" data-testid="period" data-from={value.from} data-to={value.to} data-key={value.key}>
      <div class="tabs" role="tablist">
        {presets.map((k) => (
          <button
            type="button"
            role="tab"
            aria-selected={value.key === k}
            class={value.key === k ? 'tab active' : 'tab'}
            onClick={() => onChange(presetPeriod(k))}
          >
            {t(`period.${k}`)}
          </button>
        ))}
      </div>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (custom) onChange(custom);
        }}
      >
        <label>
          {t('period.from')}
          <input type="date" value={fromDay} max={today} onInput={(e) => setFromDay((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('period.to')}
          <input type="date" value={toDay} max={today} onInput={(e) => setToDay((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit" class={value.key === 'custom' ? 'small' : 'secondary small'} disabled={!custom}>
          {t('period.apply')}
        </button>
      </form>
      {value.key === 'zoom' && (
        <span class="row zoomed" data-testid="zoomed">
          <span class="muted small">{t('period.zoomed', { from: fmt.dateTime(value.from), to: fmt.dateTime(value.to) })}</span>
          {zoomedFrom && (
            <button
              type="button"
              class="secondary small"
              data-testid="zoom-out"
              onClick={() => onChange(zoomedFrom.live ? presetPeriod(zoomedFrom.key as PresetPeriod) : zoomedFrom)}
            >
              {t('period.zoomOut')}
            </button>
          )}
        </span>
      )}
      <span class="muted small">{t('chart.dragToZoom')}</span>
    </div>
  );
}

/** A page's period with the zoom it may be in (the charts call `zoom`, the picker `set`). */
export function usePeriod(initial: PresetPeriod): {
  period: Period;
  zoomedFrom: Period | undefined;
  set: (p: Period) => void;
  zoom: (from: number, to: number) => void;
} {
  const [state, setState] = useState<{ period: Period; before?: Period }>(() => ({ period: presetPeriod(initial) }));
  return {
    period: state.period,
    zoomedFrom: state.before,
    set: (p) => setState({ period: p }),
    zoom: (from, to) => setState((s) => ({ period: zoomPeriod(from, to), before: s.before ?? s.period })),
  };
}
