import type { SessionEnd } from '../api/session-types.js';
import { messageFor, t } from './i18n.js';

/** Why the session ended, in the reader's language (the API's words for an unknown code). */
export function endedMessage(ended: SessionEnd): string {
  if (ended.reason === 'duplicate-tab') return t('session.duplicateTab');
  const reason = (ended.code && messageFor(`errors.${ended.code}`)) || undefined;
  return reason === undefined ? ended.message : t('session.expired', { reason });
}
