import type { Collector } from '../collect/collector.js';
import { count, map, percent, scalar } from '../collect/values.js';
import { FAILED_LOGIN_ACTIONS, SECURITY_COUNTS, type SecurityCounts } from '../queries/auth-db.js';
import { activeUsers, jwtValidations24h } from '../queries/promql.js';

export type SecurityLevel = 'LOW_RISK' | 'MEDIUM_RISK' | 'HIGH_RISK';

/**
 * The original's thresholds, minus its defect: a day without a single login attempt has no
 * success rate, and is judged on the refused operations alone (the original said HIGH_RISK).
 */
export function securityLevel(suspicious: number, successRate: number | null): SecurityLevel {
  if (suspicious > 10 || (successRate !== null && successRate < 70)) return 'HIGH_RISK';
  if (suspicious > 5 || (successRate !== null && successRate < 85)) return 'MEDIUM_RISK';
  return 'LOW_RISK';
}

const NO_LOGINS = 'no login attempts in the last 24 hours';

function loginSuccessRate({ successful_logins: s, failed_logins: f }: SecurityCounts) {
  return percent(s, s + f, NO_LOGINS);
}

/** GET /api/dashboard/security: logins from auth_logs, token checks and users from Prometheus. */
export async function securityData(c: Collector) {
  const auth = c.shared(async () => {
    const [row] = await c.sql<SecurityCounts>('auth_db', SECURITY_COUNTS, [
      c.at,
      FAILED_LOGIN_ACTIONS,
    ]);
    if (!row) throw new Error('an aggregate query returned no row');
    return row;
  });
  const tokens = (status: 'success' | 'failed') =>
    c.shared(async () =>
      map(
        scalar(await c.promql(jwtValidations24h(status)), {
          empty: 'no data: Prometheus has no jwt_validation_total series and no gateway target',
        }),
        count,
      ),
    );
  const valid = tokens('success');
  const invalid = tokens('failed');

  const [successful, failed, lockouts, successRate, validTokens, invalidTokens, validationRate] =
    await Promise.all([
      c.field('authentication_stats.successful_logins_24h', async () => {
        return (await auth).successful_logins;
      }),
      c.field('authentication_stats.failed_attempts_24h', async () => (await auth).failed_logins),
      c.field('authentication_stats.account_lockouts_24h', async () => (await auth).lockouts),
      c.field('authentication_stats.success_rate_percent', async () => {
        return loginSuccessRate(await auth);
      }),
      c.field('jwt_validation.valid_tokens_24h', () => valid),
      c.field('jwt_validation.invalid_tokens_24h', () => invalid),
      c.field('jwt_validation.validation_rate', async () => {
        const [v, i] = [await valid, await invalid];
        if (typeof v !== 'number') return v;
        if (typeof i !== 'number') return i;
        return percent(v, v + i, 'no access tokens checked in the last 24 hours');
      }),
    ]);
  const [activeUsersNow, suspicious, level] = await Promise.all([
    c.field('user_activity.active_users_current', async () => {
      const samples = await c.promql(activeUsers);
      const empty = 'no data: Prometheus has no active_users_total from user-service';
      return map(scalar(samples, { empty }), Math.round);
    }),
    c.field('user_activity.suspicious_activity', async () => (await auth).failures_last_hour),
    c.field('security_level', async () => {
      const counts = await auth;
      const rate = loginSuccessRate(counts);
      return securityLevel(counts.failures_last_hour, typeof rate === 'number' ? rate : null);
    }),
  ]);

  return {
    authentication_stats: {
      successful_logins_24h: successful,
      failed_attempts_24h: failed,
      success_rate_percent: successRate,
      account_lockouts_24h: lockouts,
    },
    jwt_validation: {
      valid_tokens_24h: validTokens,
      invalid_tokens_24h: invalidTokens,
      validation_rate: validationRate,
    },
    user_activity: {
      active_users_current: activeUsersNow,
      suspicious_activity: suspicious,
    },
    security_level: level,
  };
}
