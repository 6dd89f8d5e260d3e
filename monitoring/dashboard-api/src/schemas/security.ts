import { Type } from 'typebox';
import { Envelope } from './envelope.js';
import { NullableInteger, Percentage } from './common.js';

export const SecurityReply = Envelope(
  {
    authentication_stats: Type.Object({
      successful_logins_24h: NullableInteger(
        "auth_logs rows with action login_success in the last 24 h (auth's database)",
      ),
      failed_attempts_24h: NullableInteger(
        'auth_logs rows with action login_failed_wrong_password, login_failed_user_not_found ' +
          'or login_blocked_locked in the last 24 h',
      ),
      success_rate_percent: Percentage(
        'successful / (successful + failed); null without a login attempt',
      ),
      account_lockouts_24h: NullableInteger('accounts locked (action account_locked) in 24 h'),
    }),
    jwt_validation: Type.Object({
      valid_tokens_24h: NullableInteger(
        'increase(jwt_validation_total{status="success"}[24h]): access tokens the gateway accepted',
      ),
      invalid_tokens_24h: NullableInteger('the same with status="failed"'),
      validation_rate: Percentage('valid / (valid + invalid); null without a token checked'),
    }),
    user_activity: Type.Object({
      active_users_current: NullableInteger(
        'max(active_users_total{job="user-service"}): accounts not deleted, user-service\'s gauge',
      ),
      suspicious_activity: NullableInteger(
        'auth_logs rows with success = false in the last hour: failed logins, lockouts, ' +
          'refresh-token reuse',
      ),
    }),
    security_level: Type.Union(
      [
        Type.Literal('LOW_RISK'),
        Type.Literal('MEDIUM_RISK'),
        Type.Literal('HIGH_RISK'),
        Type.Null(),
      ],
      {
        description:
          'HIGH_RISK: suspicious_activity > 10 or success rate < 70; MEDIUM_RISK: > 5 or < 85; ' +
          'else LOW_RISK. Without login attempts only suspicious_activity counts; null ' +
          "without auth's database",
      },
    ),
  },
  'Authentication and token statistics',
);
