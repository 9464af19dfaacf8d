import { parseScaled, t } from '../../i18n/i18n.js';
import { type PriceGrid, ROWS, UNITS } from './price-grid.js';

/** The typed euros of a grid, by `kind.mode.unit`; an empty cell is a unit the contract does not offer. */
export type GridInputs = Record<string, string>;

const euros = (cents: number) => `${Math.trunc(cents / 100)},${String(Math.abs(cents) % 100).padStart(2, '0')}`;

export function gridInputs(grid?: PriceGrid | null): GridInputs {
  const out: GridInputs = {};
  for (const [k, m] of ROWS) for (const u of UNITS) out[`${k}.${m}.${u}`] = grid?.[k]?.[m]?.[u] === undefined ? '' : euros(grid[k][m][u]!);
  return out;
}

/** Euros typed → integer cents; cells that are not amounts are listed, the collector judges the rest (a negative price included). */
export function parseGrid(inputs: GridInputs): { grid: PriceGrid; unreadable: string[] } {
  const grid: PriceGrid = { programmed: { on_site: {}, remote: {} }, urgent: { on_site: {}, remote: {} } };
  const unreadable: string[] = [];
  for (const [k, m] of ROWS)
    for (const u of UNITS) {
      const text = (inputs[`${k}.${m}.${u}`] ?? '').trim();
      if (!text) continue;
      const cents = parseScaled(text, 2);
      if (cents === undefined) unreadable.push(`${k}.${m}.${u}`);
      else {
        const units = grid[k][m] ?? {};
        units[u] = cents;
        grid[k][m] = units;
      }
    }
  return { grid, unreadable };
}

/** Contract 2.6: one price per kind, mode and billing unit, in euros excluding tax. */
export function GridEditor({ value, onChange, testId }: { value: GridInputs; onChange: (v: GridInputs) => void; testId?: string }) {
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
              const key = `${k}.${m}.${u}`;
              return (
                <td class="num" data-unit={u}>
                  <input
                    type="text"
                    inputMode="decimal"
                    class="price-input"
                    aria-label={t('billing.priceOf', { kind: t(`ticket.kind.${k}`), mode: t(`ticket.mode.${m}`), unit: t(`unit.${u}`) })}
                    value={value[key] ?? ''}
                    onInput={(e) => onChange({ ...value, [key]: (e.currentTarget as HTMLInputElement).value })}
                  />
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
