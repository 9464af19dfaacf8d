import type { PatchPolicy } from '@vigie/shared';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Section } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';
import { errorText } from '../remote/intervene.js';

/** A client's patch policy (staff with the remote permission on it may change it). */
export function ClientPatchPolicy({ clientId }: { clientId: number }) {
  const [p, setP] = useState<PatchPolicy | null>(null);
  const [excluded, setExcluded] = useState('');
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    api<{ policy: PatchPolicy }>(`/api/v1/patch-policies/client/${clientId}`).then(
      (r) => {
        setP(r.policy);
        setExcluded((r.policy.excluded ?? []).join('\n'));
      },
      (err) => setNotice({ ok: false, text: errorText(err) }),
    );
  }, [clientId]);
  if (!p) return notice ? <p class="error">{notice.text}</p> : null;
  const save = async (e: Event) => {
    e.preventDefault();
    const body: PatchPolicy = {
      ...p,
      excluded: excluded
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    };
    try {
      await api(`/api/v1/patch-policies/client/${clientId}`, { method: 'PUT', body });
      setNotice({ ok: true, text: t('patches.policy.saved') });
    } catch (err) {
      setNotice({ ok: false, text: errorText(err) });
    }
  };
  return (
    <Section title={t('patches.policy.title')}>
      <form class="form" data-testid="patch-policy" onSubmit={save}>
        <label class="check">
          <input
            type="checkbox"
            checked={p.securityInWindow ?? true}
            onChange={(e) => setP({ ...p, securityInWindow: (e.currentTarget as HTMLInputElement).checked })}
          />{' '}
          {t('patches.policy.securityInWindow')}
        </label>
        <label>
          {t('patches.policy.reboot')}
          <select value={p.reboot ?? 'ask'} onChange={(e) => setP({ ...p, reboot: (e.currentTarget as HTMLSelectElement).value as PatchPolicy['reboot'] })}>
            <option value="never">{t('patches.policy.reboot.never')}</option>
            <option value="ask">{t('patches.policy.reboot.ask')}</option>
            <option value="window">{t('patches.policy.reboot.window')}</option>
          </select>
        </label>
        <label>
          {t('patches.policy.excluded')}
          <textarea rows={3} value={excluded} onInput={(e) => setExcluded((e.currentTarget as HTMLTextAreaElement).value)} />
        </label>
        <button type="submit">{t('app.save')}</button>
        {notice && (
          <p class={notice.ok ? 'success' : 'error'} role={notice.ok ? 'status' : 'alert'}>
            {notice.text}
          </p>
        )}
      </form>
    </Section>
  );
}
