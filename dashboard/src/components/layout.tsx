import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentLang, type Lang, type MessageKey, setLang, t } from '../i18n/i18n.js';
import { useLiveStatus } from '../live.js';
import { href } from '../router.js';
import type { User } from '../session.js';

/** The technicians' pages; the last ones (clients, users) are an administrator's only. */
const STAFF_NAV: [string, MessageKey][] = [
  ['/', 'nav.overview'],
  ['/devices', 'nav.devices'],
  ['/tickets', 'nav.tickets'],
  ['/incidents', 'nav.incidents'],
  ['/patches', 'nav.patches'],
  ['/agent-versions', 'nav.versions'],
  ['/network', 'nav.network'],
  ['/reports', 'nav.reports'],
  ['/billing', 'nav.billing'],
  ['/policies', 'nav.policies'],
  ['/rules', 'nav.rules'],
  ['/scripts', 'nav.scripts'],
  ['/commands', 'nav.commands'],
  ['/enrollment', 'nav.enrollment'],
];
const ADMIN_NAV: [string, MessageKey][] = [
  ['/clients', 'nav.clients'],
  ['/users', 'nav.users'],
  ['/security', 'nav.security'],
];
const PORTAL_NAV: [string, MessageKey][] = [
  ['/', 'nav.tickets'],
  ['/inventory', 'nav.inventory'],
  ['/patches', 'nav.patches'],
  ['/network', 'nav.network'],
  ['/recurring', 'nav.recurring'],
  ['/invoices', 'nav.invoices'],
  ['/finance', 'nav.finance'],
  ['/reports', 'nav.reports'],
  ['/stats', 'nav.stats'],
  ['/remote-actions', 'nav.remoteActions'],
];

export function LangSwitch() {
  return (
    <label class="lang">
      <span class="sr-only">{t('lang.label')}</span>
      <select
        aria-label={t('lang.label')}
        data-testid="lang"
        value={currentLang()}
        onChange={(e) => setLang((e.currentTarget as HTMLSelectElement).value as Lang)}
      >
        <option value="fr">{t('lang.fr')}</option>
        <option value="en">{t('lang.en')}</option>
      </select>
    </label>
  );
}

export function Layout({ user, route, onLogout, children }: { user: User; route: string[]; onLogout: () => void; children: ComponentChildren }) {
  const live = useLiveStatus();
  const nav = user.role === 'client' ? PORTAL_NAV : user.role === 'admin' ? [...STAFF_NAV, ...ADMIN_NAV] : STAFF_NAV;
  const current = `/${route[0] ?? ''}`;
  // On a phone the menu folds behind a button; choosing a page folds it again.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [route.join('/')]);
  return (
    <div class={`shell ${menuOpen ? 'menu-open' : ''}`}>
      <aside class="sidebar">
        <div class="sidebar-head">
          <a class="brand" href={href('/')}>
            <span class="logo" aria-hidden="true" />
            {t('app.name')}
          </a>
          <button
            type="button"
            class="menu-toggle"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            data-testid="menu-toggle"
            onClick={() => setMenuOpen(!menuOpen)}
          >
            {menuOpen ? t('nav.closeMenu') : t('nav.menu')}
          </button>
        </div>
        <nav id="main-nav" data-testid="main-nav">
          {nav.map(([path, key]) => (
            <a href={href(path)} class={current === path || (path === '/' && current === '/tickets' && user.role === 'client') ? 'active' : ''}>
              {t(key)}
            </a>
          ))}
        </nav>
      </aside>
      <div class="main-col">
        <header class="topbar">
          <span class={`live ${live ? 'on' : 'off'}`} data-testid="live">
            {live ? t('live.on') : t('live.off')}
          </span>
          <span class="spacer" />
          <span class="who">
            <span class="who-name">{user.name}</span> · {t(`role.${user.role}` as MessageKey)}
          </span>
          <LangSwitch />
          <button type="button" class="secondary small" onClick={onLogout}>
            {t('logout')}
          </button>
        </header>
        <main class="content">{children}</main>
      </div>
    </div>
  );
}
