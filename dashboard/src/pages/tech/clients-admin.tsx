import { ClientBody, type ClientList, type ClientSettings, SiteBody, type SiteList } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Empty, Section } from '../../components/ui.js';
import { errorText, formProblems } from '../../error-text.js';
import { t } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { Problems } from '../password-reset.js';

/** Issue 18, point 10: clients and their sites created here, not with the CLI; how each client sees its monitoring tickets. */
export function ClientsAdminPage({ user }: { user: User }) {
  const clients = useApi<ClientList>('/api/v1/clients');
  if (user.role !== 'admin') return <Empty text={t('users.adminOnly')} />;
  return (
    <>
      <h1>{t('clients.title')}</h1>
      <Section title={t('clients.create')}>
        <NameForm
          testId="client-form"
          label={t('clients.name')}
          button={t('clients.create')}
          schema={ClientBody}
          path="/api/v1/clients"
          done={(name) => t('clients.created', { name })}
          onDone={clients.reload}
        />
      </Section>
      <Async state={clients}>
        {(r) => (
          <div class="stack" data-testid="clients">
            {r.clients.map((c) => (
              <ClientCard key={c.id} id={c.id} name={c.name} />
            ))}
          </div>
        )}
      </Async>
    </>
  );
}

function ClientCard({ id, name }: { id: number; name: string }) {
  const sites = useApi<SiteList>(`/api/v1/clients/${id}/sites`);
  return (
    <Section title={name} id={`client-${id}`}>
      <div class="grid-2" data-client={name}>
        <div>
          <h3>{t('network.sites')}</h3>
          <Async state={sites}>
            {(r) =>
              r.sites.length === 0 ? (
                <Empty text={t('clients.noSites')} />
              ) : (
                <ul class="plain" data-testid="client-sites">
                  {r.sites.map((s) => (
                    <li>
                      {s.name} · <a href={href(`/enrollment?clientId=${id}&siteId=${s.id}`)}>{t('clients.enrollHere')}</a>
                    </li>
                  ))}
                </ul>
              )
            }
          </Async>
          <NameForm
            testId="site-form"
            label={t('clients.siteName')}
            button={t('clients.addSite')}
            schema={SiteBody}
            path={`/api/v1/clients/${id}/sites`}
            done={(site) => t('clients.siteCreated', { name: site })}
            onDone={sites.reload}
          />
        </div>
        <div>
          <h3>{t('clients.sharing')}</h3>
          <Sharing clientId={id} />
          <p>
            <a href={href(`/clients/${id}`)}>{t('clients.open')}</a> · <a href={href(`/billing/clients/${id}`)}>{t('nav.billing')}</a>
          </p>
        </div>
      </div>
    </Section>
  );
}

function NameForm(p: {
  testId: string;
  label: string;
  button: string;
  schema: typeof ClientBody;
  path: string;
  done: (name: string) => string;
  onDone: () => void;
}) {
  const [name, setName] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  return (
    <form
      class="row wrap"
      data-testid={p.testId}
      onSubmit={async (e) => {
        e.preventDefault();
        setMessage(null);
        const body = { name: name.trim() };
        const found = formProblems(p.schema, body);
        setProblems(found);
        if (found.length) return;
        try {
          await api(p.path, { body });
          setMessage(p.done(body.name));
          setName('');
          p.onDone();
        } catch (err) {
          setProblems([errorText(err)]);
        }
      }}
    >
      <label class="grow">
        {p.label}
        <input type="text" maxLength={200} value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <button type="submit">{p.button}</button>
      <Problems list={problems} />
      {message && <p class="success">{message}</p>}
    </form>
  );
}

/** Monitoring tickets stay internal until a technician publishes them, unless this client sees them all. */
function Sharing({ clientId }: { clientId: number }) {
  const settings = useApi<ClientSettings>(`/api/v1/clients/${clientId}/settings`);
  const [error, setError] = useState<string | null>(null);
  return (
    <Async state={settings}>
      {(s) => (
        <div class="stack">
          <label class="check">
            <input
              type="checkbox"
              checked={s.publishMonitoringTickets}
              data-testid="publish-monitoring"
              onChange={async (e) => {
                setError(null);
                try {
                  await api(`/api/v1/clients/${clientId}/settings`, {
                    method: 'PUT',
                    body: { publishMonitoringTickets: (e.currentTarget as HTMLInputElement).checked },
                  });
                } catch (err) {
                  setError(errorText(err));
                }
                settings.reload();
              }}
            />
            {t('field.publishMonitoringTickets')}
          </label>
          <p class="muted small">{t('clients.sharingHint')}</p>
          {error && <p class="error">{error}</p>}
        </div>
      )}
    </Async>
  );
}
