import { t } from '../../i18n/i18n.js';
import type { User } from '../../session.js';
import { RecurringSection } from '../billing/recurring.js';

/** The client's recurring programmes, and its requests to move, shorten or cancel an occurrence (contract 2.6.1). */
export function RecurringPage({ user }: { user: User }) {
  return (
    <>
      <h1>{t('nav.recurring')}</h1>
      <p class="muted">{t('recurring.portalHint')}</p>
      <RecurringSection clientId={user.clientId!} staff={false} />
    </>
  );
}
