import type { ClientList, UserList, UserRow } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Empty, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { RemoteRights } from '../remote/remote-rights.js';

export function UsersPage({ user }: { user: User }) {
  if (user.role !== 'admin') return <Empty text={t('users.adminOnly')} />;
  return <UsersAdmin user={user} />;
}

function UsersAdmin({ user }: { user: User }) {
  const users = useApi<UserList>('/api/v1/users');
  const clients = useApi<ClientList>('/api/v1/clients');
  const [form, setForm] = useState({ email: '', name: '', role: 'technician', clientId: '', password: '', locale: 'fr' });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  // A disabled user can no longer sign in; its sessions close at once. It stays listed: its name is on tickets and in the audit trail.
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const setDisabled = async (u: UserRow, disabled: boolean) => {
    try {
      await api(`/api/v1/users/${u.id}/${disabled ? 'disable' : 'enable'}`, { body: {} });
      setNotice({ ok: true, text: disabled ? t('users.disabled', { name: u.name }) : t('users.enabled', { name: u.name }) });
      users.reload();
    } catch (err) {
      setNotice({ ok: false, text: errorText(err) });
    }
  };
  const clientName = (id: number | null) => (id === null ? '' : (clients.data?.clients.find((c) => c.id === id)?.name ?? `#${id}`));
  return (
    <>
      <h1>{t('users.title')}</h1>
      <Section title={t('users.title')}>
        {notice && (
          <p class={notice.ok ? 'success' : 'error'} data-testid="users-notice">
            {notice.text}
          </p>
        )}
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
                  <th>{t('users.createdOn')}</th>
                  <th>{t('users.state')}</th>
                </tr>
              </thead>
              <tbody>
                {r.users.map((u) => (
                  <tr class={u.disabled_at ? 'muted' : ''} data-user={u.email}>
                    <td>{u.name}</td>
                    <td>{u.email}</td>
                    <td>{t(`role.${u.role}` as MessageKey)}</td>
                    <td>{clientName(u.client_id)}</td>
                    <td>{u.locale}</td>
                    <td class="muted">{fmt.date(u.created_at)}</td>
                    <td>
                      <span data-testid="user-state">{u.disabled_at ? t('users.disabledOn', { date: fmt.date(u.disabled_at) }) : t('users.active')}</span>{' '}
                      {u.id !== user.id && (
                        <button type="button" class="secondary small" onClick={() => setDisabled(u, !u.disabled_at)}>
                          {u.disabled_at ? t('users.enable') : t('users.disable')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Async>
      </Section>
      <RemoteRights users={users.data?.users ?? []} clients={clients.data?.clients ?? []} />
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
              setMessage({ ok: false, text: errorText(err) });
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
