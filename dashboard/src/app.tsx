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
import { StaffRoutes } from './pages/tech/routes.js';
import { useRoute } from './router.js';
import { isStaff, type User } from './session.js';

export function App() {
  const [lang, setLangState] = useState(currentLang());
  // undefined: still asking the collector whether a session exists.
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
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
    startLive();
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

  if (user === undefined) return <Loading />;
  // A reset link opens its page signed in or not.
  if (route[0] === 'reset') return <ResetPage key={lang} />;
  if (user === null) return <LoginPage key={lang} expired={expired} onLogin={signedIn} />;
  // Keyed by language: a switch re-renders every page with the other catalogue.
  return (
    <Layout key={lang} user={user} route={route} onLogout={logout}>
      {isStaff(user) ? <StaffRoutes route={route} user={user} /> : <PortalRoutes route={route} user={user} />}
    </Layout>
  );
}
