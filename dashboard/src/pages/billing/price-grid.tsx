import type { PriceGrid } from '@vigie/shared/api';
import { fmt, t } from '../../i18n/i18n.js';

export type Kind = 'programmed' | 'urgent';
export type Mode = 'on_site' | 'remote';
export type Unit = 'day' | 'half_day' | 'hour' | 'quarter_hour';
export type { PriceGrid };

export const ROWS: [Kind, Mode][] = [
  ['programmed', 'on_site'],
  ['programmed', 'remote'],
  ['urgent', 'on_site'],
  ['urgent', 'remote'],
];
export const UNITS: Unit[] = ['day', 'half_day', 'hour', 'quarter_hour'];

/** A price grid, one row per kind and mode; with `before`, each price shows the one it replaces. */
export function GridTable({ grid, before, testId }: { grid: PriceGrid; before?: PriceGrid; testId?: string }) {
  return (
    <table class="table compact grid-table" data-testid={testId}>
      <thead>
        <tr>
          <th>{t('ticket.kindMode')}</th>
          {UNITS.map((u) => (
            <th class="num">{t(`unit.${u}`)}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {ROWS.map(([k, m]) => (
          <tr data-row={`${k}.${m}`}>
            <td>
              {t(`ticket.kind.${k}`)} · {t(`ticket.mode.${m}`)}
            </td>
            {UNITS.map((u) => {
              const p = grid[k]?.[m]?.[u];
              const old = before?.[k]?.[m]?.[u];
              return (
                <td class="num" data-unit={u}>
                  {before && old !== undefined && old !== p ? <span class="muted small">{fmt.money(old)} → </span> : null}
                  {p === undefined ? '—' : fmt.money(p)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
