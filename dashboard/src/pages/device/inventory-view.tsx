import type { InventoryHistory } from '@vigie/shared/api';
import type { Inventory } from '@vigie/shared/protocol';
import { useState } from 'preact/hooks';
import { Async, Empty, KeyValues } from '../../components/ui.js';
import { fmt, t, tOr } from '../../i18n/i18n.js';
import { changeItemName, sectionName } from '../../labels.js';
import { useApi } from '../../use-api.js';

const SOFTWARE_SHOWN = 300;

/** Hardware, disks, network and software of the latest inventory snapshot. */
export function InventoryView({ inv, serial }: { inv: Inventory; serial: string | null }) {
  const [filter, setFilter] = useState('');
  const software = inv.software ?? [];
  const f = filter.trim().toLowerCase();
  const shown = f ? software.filter((s) => `${s.name} ${s.version ?? ''} ${s.publisher ?? ''}`.toLowerCase().includes(f)) : software;
  return (
    <div class="inventory">
      <div class="grid-2">
        <div>
          <h3>{t('device.hardware')}</h3>
          <KeyValues
            rows={[
              ['device.manufacturer', inv.system?.manufacturer],
              ['device.model', inv.system?.model],
              ['devices.serial', inv.system?.serial ?? serial],
              ['device.uuid', inv.system?.uuid],
              ['device.bios', [inv.bios?.vendor, inv.bios?.version].filter(Boolean).join(' ')],
              ['device.cpu', inv.cpu?.brand ? `${inv.cpu.brand}${inv.cpu.cores ? ` · ${t('device.cores', { n: inv.cpu.cores })}` : ''}` : undefined],
              ['device.memory', inv.memory?.totalBytes ? fmt.bytes(inv.memory.totalBytes) : undefined],
              ['devices.os', [inv.os?.distro, inv.os?.release, inv.os?.kernel].filter(Boolean).join(' ')],
            ]}
          />
          <h3>{t('device.disks')}</h3>
          {(inv.disks ?? []).length === 0 && (inv.filesystems ?? []).length === 0 ? (
            <Empty />
          ) : (
            <ul class="plain">
              {(inv.disks ?? []).map((d) => (
                <li>{[d.device, d.vendor, d.model, d.serial, d.sizeBytes ? fmt.bytes(d.sizeBytes) : ''].filter(Boolean).join(' · ')}</li>
              ))}
              {(inv.filesystems ?? []).map((fs) => (
                <li>
                  {fs.mount} {fs.type ? `(${fs.type})` : ''} {fs.sizeBytes ? `· ${fmt.bytes(fs.usedBytes ?? 0)} / ${fmt.bytes(fs.sizeBytes)}` : ''}
                </li>
              ))}
            </ul>
          )}
          <h3>{t('device.network')}</h3>
          <ul class="plain">
            {(inv.network ?? []).map((n) => (
              <li>
                <span class="mono">{n.iface}</span> {n.mac ? <span class="mono muted">{n.mac}</span> : null} {[...(n.ipv4 ?? []), ...(n.ipv6 ?? [])].join(', ')}
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3>{t('device.software', { count: software.length })}</h3>
          <input
            type="search"
            placeholder={t('device.softwareFilter')}
            aria-label={t('device.softwareFilter')}
            value={filter}
            onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)}
          />
          <div class="scroll-box">
            <table class="table compact" data-testid="software">
              <tbody>
                {shown.slice(0, SOFTWARE_SHOWN).map((s) => (
                  <tr>
                    <td>{s.name}</td>
                    <td class="mono">{s.version ?? ''}</td>
                    <td class="muted">{s.publisher ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {shown.length > SOFTWARE_SHOWN && <p class="muted">… +{shown.length - SOFTWARE_SHOWN}</p>}
          </div>
        </div>
      </div>
    </div>
  );
}

export function HistoryTable({ deviceId }: { deviceId: number }) {
  const h = useApi<InventoryHistory>(`/api/v1/devices/${deviceId}/inventory/history?limit=200`);
  return (
    <Async state={h}>
      {(r) =>
        r.changes.length === 0 ? (
          <Empty />
        ) : (
          <div class="scroll-box">
            <table class="table compact">
              <thead>
                <tr>
                  <th>{t('history.date')}</th>
                  <th>{t('history.section')}</th>
                  <th>{t('history.change')}</th>
                  <th>{t('history.item')}</th>
                </tr>
              </thead>
              <tbody>
                {r.changes.map((c) => (
                  <tr>
                    <td class="muted">{fmt.dateTime(c.changedAt)}</td>
                    <td>{sectionName(c.section)}</td>
                    <td>{tOr(`history.${c.change}`, c.change)}</td>
                    <td>{changeItemName(c.key)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      }
    </Async>
  );
}
