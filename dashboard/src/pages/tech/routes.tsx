import { NotFound } from '../../components/ui.js';
import { idParam } from '../../router.js';
import type { User } from '../../session.js';
import { ClientBillingPage } from '../billing/contract-page.js';
import { InvoicesAdminPage } from '../billing/invoices-page.js';
import { DevicePage } from '../device/device-page.js';
import { NetworkIndexPage, SiteNetworkPage } from '../network/network-page.js';
import { PatchCompliancePage } from '../patches/compliance-page.js';
import { PoliciesPage } from '../policies/policy-page.js';
import { CommandHistoryPage } from '../remote/history-page.js';
import { ScriptLibraryPage } from '../remote/script-library.js';
import { TotpPage } from '../remote/totp-page.js';
import { NewTicketPage } from '../tickets/new-ticket.js';
import { TicketPage } from '../tickets/ticket-page.js';
import { AgentVersionsPage } from '../updates/versions-page.js';
import { ClientPage } from './client-page.js';
import { ClientsAdminPage } from './clients-admin.js';
import { DevicesPage } from './devices.js';
import { EnrollmentPage } from './enrollment.js';
import { IncidentsPage } from './incidents.js';
import { OverviewPage } from './overview.js';
import { ReportsAdminPage } from './reports.js';
import { RulesPage } from './rules.js';
import { TicketQueuePage } from './ticket-queue.js';
import { UsersPage } from './users.js';

/** The technician's pages, by hash route. */
export function StaffRoutes({ route, user }: { route: string[]; user: User }) {
  const [page, arg, arg2] = route;
  const id = idParam(arg);
  switch (page) {
    case undefined:
      return <OverviewPage />;
    case 'devices':
      return arg === undefined ? <DevicesPage /> : id ? <DevicePage id={id} user={user} /> : <NotFound />;
    case 'tickets':
      if (arg === undefined) return <TicketQueuePage />;
      if (arg === 'new') return <NewTicketPage user={user} />;
      return id ? <TicketPage id={id} user={user} /> : <NotFound />;
    case 'incidents':
      return <IncidentsPage />;
    case 'patches':
      return <PatchCompliancePage user={user} />;
    case 'agent-versions':
      return <AgentVersionsPage />;
    case 'reports':
      return <ReportsAdminPage />;
    case 'clients':
      if (arg === undefined) return <ClientsAdminPage user={user} />;
      return id ? <ClientPage id={id} /> : <NotFound />;
    case 'rules':
      return <RulesPage />;
    case 'policies':
      return <PoliciesPage />;
    case 'billing':
      if (arg === undefined) return <InvoicesAdminPage user={user} />;
      return arg === 'clients' && idParam(arg2) ? <ClientBillingPage clientId={idParam(arg2)!} user={user} /> : <NotFound />;
    case 'enrollment':
      return <EnrollmentPage />;
    case 'users':
      return <UsersPage user={user} />;
    case 'network':
      if (arg === undefined) return <NetworkIndexPage user={user} />;
      return id && idParam(arg2) ? <SiteNetworkPage clientId={id} siteId={idParam(arg2)!} /> : <NotFound />;
    case 'scripts':
      return <ScriptLibraryPage user={user} />;
    case 'commands':
      return <CommandHistoryPage />;
    case 'security':
      return <TotpPage />;
    default:
      return <NotFound />;
  }
}
