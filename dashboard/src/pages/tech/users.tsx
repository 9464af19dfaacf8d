import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api.js';
import { Async, Empty, Section } from '../../components/ui.js';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';

interface UserRow {
  id: number;
  email: string;
  name: string;
  role: string;
  client_id: number | null;
  locale: string;
  created_at: number;
  disabled_at: number | null;
}

export function UsersPage({ user }: { user: User }) {
  if (user.role !== 'admin') return <Empty text={t('users.adminOnly')} />;
  return <UsersAdmin />;
}

function UsersAdmin() {
  const users = useApi<{ users: UserRow[] }>('/api/v1/users');
  const clients = useApi<{ clients: { id: number; name: string }[] }>('/api/v1/clients');
  const [form, setForm] = useState({ email: '', name: '', role: 'technician', clientId: '', password: '', locale: 'fr' });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const clientName = (id: number | null) => (id === null ? '' : (clients.data?.clients.find((c) => c.id === id)?.name ?? `#${id}`));
  return (
    <>
      <h1>{t('users.title')}</h1>
      <Section title={t('users.title')}>
        <Async state={users}>
          {(r) => (
            <table class="table">
              <thead>
                <tr>
                  <th>{t('users.name')}</th>
                  <th>{t('users.email')}</th>
                  <th>{t('users.role')}</th>
                  <th>{t('users.client')}</th>
                  <th>{t('users.locale')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {r.users.map((u) => (
                  <tr class={u.disabled_at ? 'muted' : ''}>
                    <td>{u.name}</td>
                    <td>{u.email}</td>
                    <td>{t(`role.${u.role}` as MessageKey)}</td>
                    <td>{clientName(u.client_id)}</td>
                    <td>{u.locale}</td>
                    <td class="muted">{fmt.date(u.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Async>
      </Section>
      <Section title={t('users.create')}>
        <form
          class="row wrap"
          onSubmit={async (e) => {
            e.preventDefault();
            try {
              await api('/api/v1/users', {
                body: {
                  email: form.email,
                  name: form.name,
                  role: form.role,
                  password: form.password,
                  locale: form.locale,
                  ...(form.role === 'client' ? { clientId: Number(form.clientId || clients.data?.clients[0]?.id) } : {}),
                },
              });
              setMessage({ ok: true, text: t('users.created') });
              setForm({ ...form, email: '', name: '', password: '' });
              users.reload();
            } catch (err) {
              setMessage({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
            }
          }}
        >
          <label>
            {t('users.name')}
            <input type="text" required value={form.name} onInput={set('name')} />
          </label>
          <label>
            {t('users.email')}
            <input type="email" required value={form.email} onInput={set('email')} />
          </label>
          <label>
            {t('users.role')}
            <select value={form.role} onChange={set('role')}>
              {['admin', 'technician', 'client'].map((r) => (
                <option value={r}>{t(`role.${r}` as MessageKey)}</option>
              ))}
            </select>
          </label>
          {form.role === 'client' && (
            <label>
              {t('users.client')}
              <select value={form.clientId} onChange={set('clientId')}>
                {clients.data?.clients.map((c) => (
                  <option value={String(c.id)}>{c.name}</option>
                ))}
              </select>
            </label>
          )}
          <label>
            {t('users.locale')}
            <select value={form.locale} onChange={set('locale')}>
              <option value="fr">{t('lang.fr')}</option>
              <option value="en">{t('lang.en')}</option>
            </select>
          </label>
          <label>
            {t('users.password')}
            <input type="password" required minLength={12} autoComplete="new-password" value={form.password} onInput={set('password')} />
          </label>
          <button type="submit">{t('users.create')}</button>
        </form>
        {message && <p class={message.ok ? 'success' : 'error'}>{message.text}</p>}
      </Section>
    </>
  );
}
