import { createHmac, randomBytes } from 'node:crypto';
import type { AccountId } from './authenticator.js';

/** How the authenticator names an API-key account: this prefix and the key itself. */
export const API_KEY_ACCOUNT_PREFIX = 'api-key:';

/** Keys shorter than this show no characters of their own in their label, only the hash. */
const SHOWN_FROM_LENGTH = 12;

/**
 * How the controls show an account without revealing a secret. An AccessKey is an identifier (every JWT
 * carries it in `iss`), so configured AccessKeys are shown as they are. An API key is the credential itself:
 * it is shown as `api-key:ab…yz#1a2b3c4d`, its first and last two characters (long keys only) and an HMAC
 * under a key drawn at start-up, so labels are stable for the mock's lifetime, distinct per key, and cannot
 * be turned back into the key even for a short one. Any other id (a `limits.balances` entry naming no
 * configured AccessKey) is masked the same way, in case it is a key given without its prefix.
 */
export function createAccountLabels(accessKeys: Iterable<string>) {
  const known = new Set(accessKeys);
  const secret = randomBytes(32);
  const labels = new Map<AccountId, string>();

  const mask = (kind: string, text: string) => {
    const hash = createHmac('sha256', secret).update(text).digest('hex').slice(0, 8);
    const shown = text.length >= SHOWN_FROM_LENGTH ? `${text.slice(0, 2)}…${text.slice(-2)}` : '…';
    return `${kind}:${shown}#${hash}`;
  };

  const labelOf = (account: AccountId): string => {
    if (known.has(account)) return account;
    let label = labels.get(account);
    if (label === undefined) {
      label = account.startsWith(API_KEY_ACCOUNT_PREFIX)
        ? mask('api-key', account.slice(API_KEY_ACCOUNT_PREFIX.length))
        : mask('unknown-account', account);
      // Ids come from configured keys and balances (both bounded); the cap only guards memory.
      if (labels.size >= 20_000) labels.clear();
      labels.set(account, label);
    }
    return label;
  };

  return {
    labelOf,
    /** Whether `filter` names `account`: its label, or the id itself (`api-key:KEY` or the AccessKey). */
    matches: (account: AccountId, filter: string) => account === filter || labelOf(account) === filter,
  };
}

export type AccountLabels = ReturnType<typeof createAccountLabels>;
