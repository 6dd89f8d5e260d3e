import { useEffect, useState } from 'preact/hooks';
import { api, session } from '../context.js';
import { Notice, PageTitle } from '../components/ui.js';
import { href } from '../router.js';
import { t } from '../i18n/i18n.js';

/** Ends the session at auth-service (best effort), then forgets both tokens in any case. */
export async function signOut(): Promise<void> {
  if (session.accessToken !== null) {
    try {
      await api.logout();
    } catch {
      // Offline or already revoked: the tokens are forgotten below all the same.
    }
  }
  session.end('logout');
}

export function LogoutPage() {
  const [done, setDone] = useState(false);
  useEffect(() => {
    void signOut().then(() => {
      setDone(true);
    });
  }, []);
  return (
    <section class="narrow">
      <PageTitle>{done ? t('logout.doneTitle') : t('logout.busyTitle')}</PageTitle>
      {done ? (
        <>
          <Notice>{t('logout.done')}</Notice>
          <p>
            <a href={href('/login')}>{t('logout.again')}</a>
          </p>
        </>
      ) : (
        <Notice>{t('logout.busy')}</Notice>
      )}
    </section>
  );
}
