import { useEffect, useState } from 'preact/hooks';
import { api, session } from '../context.js';
import { Notice, PageTitle } from '../components/ui.js';
import { href } from '../router.js';

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
      <PageTitle>{done ? 'Signed out' : 'Signing out'}</PageTitle>
      {done ? (
        <>
          <Notice>You are signed out. Your tokens have been removed from this browser.</Notice>
          <p>
            <a href={href('/login')}>Sign in again</a>
          </p>
        </>
      ) : (
        <Notice>Signing out…</Notice>
      )}
    </section>
  );
}
