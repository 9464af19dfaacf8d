import { useState } from 'preact/hooks';
import { addDays, parisMidnight, parisToday, t } from '../../i18n/i18n.js';

export type PresetPeriod = 'hour' | 'day' | 'week' | 'month';
const PRESETS: Record<PresetPeriod, { spanMs: number; step?: string }> = {
  hour: { spanMs: 3600_000 },
  day: { spanMs: 86_400_000, step: '5m' },
  week: { spanMs: 7 * 86_400_000, step: '1h' },
  month: { spanMs: 30 * 86_400_000, step: '6h' },
};

/** A chosen period, with its bounds fixed when it was chosen (so that every query asks the same). */
export interface Period {
  key: PresetPeriod | 'custom';
  from: number;
  to: number;
  spanMs: number;
  /** Metric step for charts over this period. */
  step?: string | undefined;
}

function stepFor(spanMs: number): string | undefined {
  if (spanMs <= 3 * 3600_000) return undefined;
  if (spanMs <= 2 * 86_400_000) return '5m';
  if (spanMs <= 14 * 86_400_000) return '1h';
  return '6h';
}

export function presetPeriod(key: PresetPeriod, now = Date.now()): Period {
  const p = PRESETS[key];
  return { key, from: now - p.spanMs, to: now, spanMs: p.spanMs, step: p.step };
}

/** Whole Paris days, `fromDay` to `toDay` included. */
export function customPeriod(fromDay: string, toDay: string): Period | undefined {
  const from = parisMidnight(fromDay);
  const to = parisMidnight(addDays(toDay, 1));
  if (!(to > from)) return undefined;
  return { key: 'custom', from, to, spanMs: to - from, step: stepFor(to - from) };
}

/** Tabs for the usual periods, and two dates for any other. */
export function PeriodPicker({ value, onChange }: { value: Period; onChange: (p: Period) => void }) {
  const today = parisToday();
  const [fromDay, setFromDay] = useState(addDays(today, -6));
  const [toDay, setToDay] = useState(today);
  const custom = customPeriod(fromDay, toDay);
  return (
    <div class="row wrap period" data-testid="period">
      <div class="tabs" role="tablist">
        {(Object.keys(PRESETS) as PresetPeriod[]).map((k) => (
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
    </div>
  );
}
