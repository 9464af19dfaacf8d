import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Section } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';
import { errorText } from './intervene.js';
import { useStepUp } from './step-up.js';

/**
 * Admin: which clients a technician may act on remotely (it must then use TOTP), and resetting a
 * staff member's second factor after a lost phone (with a step-up).
 */
export function RemoteRights({ users, clients }: { users: { id: number; name: string; role: string }[]; clients: { id: number; name: string }[] }) {
  const techs = users.filter((u) => u.role === 'technician');
  const staff = users.filter((u) => u.role !== 'client');
  const [userId, setUserId] = useState<number | null>(null);
  const [granted, setGranted] = useState<Set<number>>(new Set());
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const { run, prompt } = useStepUp();
  useEffect(() => {
    if (userId === null) return;
    api<{ clientIds: number[] }>(`/api/v1/users/${userId}/remote-permissions`).then(
      (r) => setGranted(new Set(r.clientIds)),
      (err) => setNotice({ ok: false, text: errorText(err) }),
    );
  }, [userId]);
  const save = async () => {
    try {
      await api(`/api/v1/users/${userId}/remote-permissions`, { method: 'PUT', body: { clientIds: [...granted] } });
      setNotice({ ok: true, text: t('rights.saved') });
    } catch (err) {
      setNotice({ ok: false, text: errorText(err) });
    }
  };
  const reset = (id: number) =>
    run(async () => {
      await api(`/api/v1/users/${id}/totp/reset`, { body: {} });
      setNotice({ ok: true, text: t('rights.totpReset') });
    }).catch((err) => setNotice({ ok: false, text: errorText(err) }));
  return (
    <Section title={t('rights.title')}>
      <p class="muted">{t('rights.intro')}</p>
      {prompt}
      <div class="row wrap">
        <label>
          {t('rights.technician')}
          <select name="rights-user" value={userId ?? ''} onChange={(e) => setUserId(Number((e.currentTarget as HTMLSelectElement).value) || null)}>
            <option value="" />
            {techs.map((u) => (
              <option value={u.id}>{u.name}</option>
            ))}
          </select>
        </label>
      </div>
      {userId !== null && (
        <fieldset class="field-group multi">
          <legend>{t('rights.clients')}</legend>
          {clients.map((c) => (
            <label class="check">
              <input
                type="checkbox"
                checked={granted.has(c.id)}
                onChange={(e) => {
                  const next = new Set(granted);
                  if ((e.currentTarget as HTMLInputElement).checked) next.add(c.id);
                  else next.delete(c.id);
                  setGranted(next);
                }}
              />
              {c.name}
            </label>
          ))}
          <button type="button" onClick={save}>
            {t('app.save')}
          </button>
        </fieldset>
      )}
      <h3>{t('rights.resetTitle')}</h3>
      <ul class="plain">
        {staff.map((u) => (
          <li>
            {u.name}{' '}
            <button type="button" class="secondary small" onClick={() => reset(u.id)}>
              {t('rights.resetTotp')}
            </button>
          </li>
        ))}
      </ul>
      {notice && <p class={notice.ok ? 'success' : 'error'}>{notice.text}</p>}
    </Section>
  );
}
