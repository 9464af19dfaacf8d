import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api.js';
import { Section } from '../../components/ui.js';
import { type MessageKey, t } from '../../i18n/i18n.js';
import { href, navigate } from '../../router.js';
import { isStaff, type User } from '../../session.js';
import { useApi } from '../../use-api.js';

/** A new request: from the client's portal (channel portal), or entered by staff for a phone call or an e-mail. */
export function NewTicketPage({ user }: { user: User }) {
  const staff = isStaff(user);
  const clients = useApi<{ clients: { id: number; name: string }[] }>(staff ? '/api/v1/clients' : null);
  const [clientId, setClientId] = useState('');
  const [channel, setChannel] = useState('phone');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosenClient = clientId || String(clients.data?.clients[0]?.id ?? '');
  return (
    <>
      <p>
        <a href={href(staff ? '/tickets' : '/')}>{t('app.back')}</a>
      </p>
      <h1>{t('tickets.new')}</h1>
      <Section title={t('tickets.new')}>
        <form
          class="stack narrow"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            try {
              // A client's request is always on the portal channel (the collector enforces it too).
              const body = staff ? { clientId: Number(chosenClient), channel, title, description } : { channel: 'portal', title, description };
              const created = await api<{ id: number }>('/api/v1/tickets', { body });
              navigate(`/tickets/${created.id}`);
            } catch (err) {
              setError(err instanceof ApiError ? err.message : String(err));
              setBusy(false);
            }
          }}
        >
          {staff && (
            <div class="row">
              <label class="grow">
                {t('ticket.create.client')}
                <select value={chosenClient} onChange={(e) => setClientId((e.currentTarget as HTMLSelectElement).value)}>
                  {clients.data?.clients.map((c) => (
                    <option value={String(c.id)}>{c.name}</option>
                  ))}
                </select>
              </label>
              <label>
                {t('ticket.create.channel')}
                <select value={channel} onChange={(e) => setChannel((e.currentTarget as HTMLSelectElement).value)}>
                  {['phone', 'email', 'portal'].map((c) => (
                    <option value={c}>{t(`ticket.channel.${c}` as MessageKey)}</option>
                  ))}
                </select>
              </label>
            </div>
          )}
          <label>
            {t('ticket.create.title')}
            <input
              type="text"
              required
              maxLength={300}
              value={title}
              data-testid="new-title"
              onInput={(e) => setTitle((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <label>
            {t('ticket.create.description')}
            <textarea
              rows={6}
              value={description}
              data-testid="new-description"
              onInput={(e) => setDescription((e.currentTarget as HTMLTextAreaElement).value)}
            />
          </label>
          {error && <p class="error">{error}</p>}
          <div>
            <button type="submit" disabled={busy || !title.trim()}>
              {t('ticket.create.submit')}
            </button>
          </div>
        </form>
      </Section>
    </>
  );
}
