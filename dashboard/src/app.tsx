import type { SignedIn } from '@vigie/shared/api';
import { useEffect, useState } from 'preact/hooks';
import { api, onUnauthenticated, setCsrfToken } from './api.js';
import { Layout } from './components/layout.js';
import { Loading } from './components/ui.js';
import { currentLang, onLangChange } from './i18n/i18n.js';
import { startLive, stopLive } from './live.js';
import { LoginPage } from './pages/login.js';
import { ResetPage } from './pages/password-reset.js';
import { PortalRoutes } from './pages/portal/routes.js';
import { TotpPage, type TotpStatus } from './pages/remote/totp-page.js';
import { StaffRoutes } from './pages/tech/routes.js';
import { useRoute } from './router.js';
import { isStaff, type User } from './session.js';

export function App() {
  const [lang, setLangState] = useState(currentLang());
  // undefined: still asking the collector whether a session exists.
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  // An admin, or a technician allowed to act on clients' machines, enrols TOTP before anything else.
  // undefined: not known yet (no page asks the API before, it would be refused).
  const [mustEnrol, setMustEnrol] = useState<boolean | undefined>(undefined);
  const route = useRoute();

  useEffect(() => onLangChange(setLangState), []);
  useEffect(() => {
    onUnauthenticated(() => {
      stopLive();
      setCsrfToken('');
      setUser((u) => {
        if (u) setExpired(true);
        return null;
      });
    });
    api<SignedIn>('/api/v1/auth/me').then(
      (r) => signedIn(r.user, r.csrfToken),
      () => setUser(null),
    );
  }, []);

  const signedIn = (u: User, csrf: string) => {
    setCsrfToken(csrf);
    setExpired(false);
    setUser(u);
    if (!isStaff(u)) {
      setMustEnrol(false);
      startLive();
      return;
    }
    // Staff who must enrol TOTP first reach nothing else, the live socket included.
    setMustEnrol(undefined);
    api<TotpStatus>('/api/v1/auth/totp').then(
      (s) => {
        const must = s.required && !s.enabled;
        setMustEnrol(must);
        if (!must) startLive();
      },
      () => {
        setMustEnrol(false);
        startLive();
      },
    );
  };
  const logout = async () => {
    try {
      await api('/api/v1/auth/logout', { body: {} });
    } catch (err) {
      // Signed out here all the same (the session ends by itself); the console keeps why the collector did not answer.
      console.warn('logout', err);
    }
    stopLive();
    setCsrfToken('');
    setUser(null);
    location.hash = '/';
  };

  // A reset link opens its page signed in or not.
  if (route[0] === 'reset') return <ResetPage key={lang} />;
  if (user === undefined || (user !== null && mustEnrol === undefined)) return <Loading />;
  if (user === null) return <LoginPage key={lang} expired={expired} onLogin={signedIn} />;
  // Keyed by language: a switch re-renders every page with the other catalogue.
  return (
    <Layout key={lang} user={user} route={route} onLogout={logout}>
      {mustEnrol ? (
        <TotpPage
          onEnabled={() => {
            setMustEnrol(false);
            startLive();
          }}
        />
      ) : isStaff(user) ? (
        <StaffRoutes route={route} user={user} />
      ) : (
        <PortalRoutes route={route} user={user} />
      )}
    </Layout>
  );
}
