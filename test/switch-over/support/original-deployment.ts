import {
  buildOriginalAuthDatabase,
  buildOriginalUserScenario,
  createOriginalDatabase,
  createOriginalSocialSchema,
  writeSocialLogAsOriginal,
  type AuthChainVariant,
  type OriginalDatabase,
  type OriginalUserScenario,
  type OriginalUserVariant,
} from '@cloud-backend/shared/testing';
import { withClient } from '../../faults/support/stack.js';
import { expectedCheckIns, type ExpectedCheckIn } from './expected-check-ins.js';

/**
 * Every path the original's migration files could take on its user database, each paired with
 * one history of its auth database, so that together they cover every shape.
 */
export const AUTH_HISTORY: Record<OriginalUserVariant, AuthChainVariant> = {
  'keep-going': 'fresh',
  'on-error-stop': 'hand-made',
  'first-0001': 'hand-made-log-columns',
  'keep-going-retrofit': 'catch-up',
};

/** The three databases of one deployment of the original, as it left them. */
export interface OriginalDeployment {
  auth: OriginalDatabase;
  user: OriginalDatabase;
  social: OriginalDatabase;
  scenario: OriginalUserScenario;
  /** Every check-in, as the port's reports must show it. */
  expected: ExpectedCheckIn[];
  drop(): Promise<void>;
}

export async function buildOriginalDeployment(
  adminUrl: string,
  variant: OriginalUserVariant,
): Promise<OriginalDeployment> {
  const [auth, user, social] = await Promise.all([
    createOriginalDatabase(adminUrl, 'auth_admin', 'switch_auth'),
    createOriginalDatabase(adminUrl, 'user_admin', 'switch_users'),
    createOriginalDatabase(adminUrl, 'social_admin', 'switch_social'),
  ]);
  const drop = async () => {
    await Promise.all([auth.drop(), user.drop(), social.drop()]);
  };
  try {
    await buildOriginalAuthDatabase(auth.url, AUTH_HISTORY[variant]);
    const scenario = await buildOriginalUserScenario(user.url, variant, {
      fakeDailyRow: { today: '2025-06-16', timestamp: '2025-06-16 04:00:00' },
    });
    // An operator who had applied the social-log service's schema by hand, and one entry.
    await withClient(social.url, async (client) => {
      await createOriginalSocialSchema(client, { tableCreatedByHand: true });
      await writeSocialLogAsOriginal(client, {
        social: 'instagram',
        timestamp: '2025-06-20T10:00:00+02:00',
        content: 'lezione di oggi',
        status: 'published',
      });
    });
    return { auth, user, social, scenario, expected: expectedCheckIns(scenario.database), drop };
  } catch (err) {
    await drop();
    throw err;
  }
}
