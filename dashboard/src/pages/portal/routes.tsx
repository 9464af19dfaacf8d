import { NotFound } from '../../components/ui.js';
import { idParam } from '../../router.js';
import type { User } from '../../session.js';
import { DevicePage } from '../device/device-page.js';
import { NetworkIndexPage, SiteNetworkPage } from '../network/network-page.js';
import { PortalRemoteActionsPage } from '../remote/history-page.js';
import { NewTicketPage } from '../tickets/new-ticket.js';
import { TicketPage } from '../tickets/ticket-page.js';
import { FinancePage } from './finance.js';
import { InventoryPage } from './inventory.js';
import { InvoicesPage } from './invoices.js';
import { PortalTicketsPage } from './portal-tickets.js';
import { RecurringPage } from './recurring.js';
import { ReportsPage, StatsPage } from './reports.js';

/** The client's space: only its own company's data (the API answers "not found" for the rest). */
export function PortalRoutes({ route, user }: { route: string[]; user: User }) {
  const [page, arg, arg2] = route;
  const id = idParam(arg);
  switch (page) {
    case undefined:
      return <PortalTicketsPage user={user} />;
    case 'tickets':
      if (arg === undefined) return <PortalTicketsPage user={user} />;
      if (arg === 'new') return <NewTicketPage user={user} />;
      return id ? <TicketPage id={id} user={user} /> : <NotFound />;
    case 'inventory':
      return <InventoryPage user={user} />;
    case 'devices':
      return id ? <DevicePage id={id} user={user} /> : <NotFound />;
    case 'invoices':
      return <InvoicesPage user={user} />;
    case 'recurring':
      return <RecurringPage user={user} />;
    case 'finance':
      return <FinancePage user={user} />;
    case 'reports':
      return <ReportsPage user={user} />;
    case 'stats':
      return <StatsPage user={user} />;
    case 'network':
      if (arg === undefined) return <NetworkIndexPage user={user} />;
      return id && idParam(arg2) ? <SiteNetworkPage clientId={id} siteId={idParam(arg2)!} /> : <NotFound />;
    case 'remote-actions':
      return user.clientId ? <PortalRemoteActionsPage clientId={user.clientId} /> : <NotFound />;
    default:
      return <NotFound />;
  }
}
