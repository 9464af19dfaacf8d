import type { ClientList, TicketList } from '@vigie/shared/api';
import { Async } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import type { User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { useLiveReload } from '../tech/overview.js';
import { TicketTable } from '../tickets/ticket-table.js';

export function useOwnClientName(): string {
  const c = useApi<ClientList>('/api/v1/clients');
  return c.data?.clients[0]?.name ?? '';
}

/** The client's home: its tickets, every status, updated live. */
export function PortalTicketsPage({ user }: { user: User }) {
  const name = useOwnClientName();
  const list = useApi<TicketList>('/api/v1/tickets?limit=500');
  useLiveReload(list.reload, (type) => type === 'ticket');
  return (
    <>
      <div class="page-head">
        <div>
          <h1>{t('portal.welcome', { name: user.name })}</h1>
          <p class="muted" data-testid="company">
            {t('portal.company', { client: name })}
          </p>
        </div>
        <a class="button" href={href('/tickets/new')} data-testid="new-ticket">
          {t('tickets.new')}
        </a>
      </div>
      <section class="card">
        <h2>{t('tickets.title')}</h2>
        <Async state={list}>{(r) => <TicketTable tickets={r.tickets} />}</Async>
      </section>
    </>
  );
}
