import { API_KEY_ACCOUNT_PREFIX } from './account-label.js';
import { createHs256Verifier } from './hs256.js';

export interface KeyPairAccount {
  accessKey: string;
  secretKey: string;
}

/** The documented demo account, present when no accounts are configured. */
export const DEMO_ACCOUNT: KeyPairAccount = { accessKey: 'demo-access-key', secretKey: 'demo-secret-key' };

/** Who made a request: the AccessKey, or the API key (prefixed, so the two kinds never collide). */
export type AccountId = string;

export type AuthResult =
  | { ok: true; account: AccountId }
  | { ok: false; code: 1000 | 1001 | 1002 | 1003 | 1004; message: string };

/** Seconds of clock skew tolerated on `nbf` and `exp`. */
const LEEWAY_SECONDS = 5;
const CACHE_LIMIT = 4096;

const EXPIRED: AuthResult = { ok: false, code: 1004, message: 'Token has expired: sign a new one' };
const EXPIRED_BY_CONTROL: AuthResult = {
  ok: false,
  code: 1004,
  message: 'Token has expired (the mock controls expired every token issued before): sign a new one',
};
const NOT_YET_VALID: AuthResult = {
  ok: false,
  code: 1003,
  message: 'Token is not yet valid: nbf is in the future',
};

interface VerifiedToken {
  account: AccountId;
  nbf: number;
  exp: number;
  /** How many times the tokens had been expired by the controls when the mock first saw this one. */
  generation: number;
}

/**
 * Verifies `Authorization: Bearer <token>` the way the platform does: an HS256 JWT whose `iss` is a known
 * AccessKey, signed with its SecretKey and inside its `nbf`/`exp` window, or a configured API key. Every
 * other algorithm (`none`, RS256...) is refused. Verified tokens are cached, so a client that reuses its
 * token (as it should) pays for one HMAC, not one per request; the time window is checked on every use.
 *
 * The window is checked against real time, never the mock clock: a client signs with the time it has, and
 * a test that moves the mock clock a month ahead (to reach result retention) must not lock it out.
 * Expiry is tested with `expireIssued()` instead.
 */
export function createAuthenticator(options: {
  accounts: KeyPairAccount[];
  apiKeys: string[];
  /** Real time; for tests of the authenticator itself. */
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  const verifyHs256 = createHs256Verifier(
    new Map(options.accounts.map((account) => [account.accessKey, account.secretKey])),
  );
  const apiKeys = new Set(options.apiKeys);
  const verified = new Map<string, VerifiedToken>();
  let generation = 0;
  /** The second of the last `expireIssued()`: a token that says it was issued before it is expired. */
  let expiredBeforeSecond = Number.NEGATIVE_INFINITY;
  // The last header and its token: a client sends the same header on every request, and comparing it
  // costs less than the pattern and hashing a fresh copy of the token; the cache still decides.
  let lastHeader = '';
  let lastToken = '';

  const checkWindow = (entry: VerifiedToken): AuthResult => {
    if (entry.generation < generation) return EXPIRED_BY_CONTROL;
    const seconds = now() / 1000;
    if (seconds + LEEWAY_SECONDS < entry.nbf) return NOT_YET_VALID;
    if (seconds - LEEWAY_SECONDS >= entry.exp) return EXPIRED;
    return { ok: true, account: entry.account };
  };

  return {
    /** Synchronous for cached tokens and API keys; a promise only when a JWT must be verified. */
    authenticate(header: string | null): AuthResult | Promise<AuthResult> {
      if (header === lastHeader) {
        const cached = verified.get(lastToken);
        if (cached) return checkWindow(cached);
      }
      if (!header?.trim()) return { ok: false, code: 1001, message: 'Authorization header is empty' };
      const match = /^Bearer ([^\s]+)$/.exec(header);
      if (!match)
        return {
          ok: false,
          code: 1002,
          message: "Authorization header is invalid: expected 'Bearer <token>'",
        };
      const token = match[1] as string;

      const cached = verified.get(token);
      if (cached) {
        lastHeader = header;
        lastToken = token;
        return checkWindow(cached);
      }
      // Configured API keys first (a Set lookup, not a comparison that stops at the first differing
      // character): a key that happens to hold two dots is still a key, not a malformed JWT.
      if (apiKeys.has(token)) return { ok: true, account: `${API_KEY_ACCOUNT_PREFIX}${token}` };
      if (token.split('.').length !== 3)
        return { ok: false, code: 1000, message: 'Authentication failed: unknown API key' };
      return verify(token);
    },

    /**
     * Every token issued before now answers 1004 from now on, so a client must sign a new one: each token the
     * mock has seen (the last 4,096), and each unseen one whose `iat` lies before this second. A token first
     * sent after this call and carrying no `iat` cannot be told from one signed after it, and passes. API
     * keys are not tokens and keep working.
     */
    expireIssued() {
      generation++;
      expiredBeforeSecond = Math.floor(now() / 1000);
    },
  };

  async function verify(token: string): Promise<AuthResult> {
    // The generation when the request arrived: a control that comes while the signature is checked still
    // expires this token.
    const seenIn = generation;
    const checked = await verifyHs256(token);
    if (!checked.ok) return checked;
    const { account, claims } = checked;
    if (claims.exp === undefined)
      return { ok: false, code: 1000, message: 'Authentication failed: claim exp is missing' };
    for (const claim of ['exp', 'nbf', 'iat'] as const) {
      const value = claims[claim];
      if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value)))
        return { ok: false, code: 1000, message: `Authentication failed: claim ${claim} must be a number` };
    }
    const issuedBefore = typeof claims.iat === 'number' && claims.iat < expiredBeforeSecond;
    const entry: VerifiedToken = {
      account,
      nbf: (claims.nbf as number | undefined) ?? 0,
      exp: claims.exp as number,
      generation: issuedBefore ? generation - 1 : seenIn,
    };
    // Remembered whatever its window says (checked on every use): a token the controls expired stays expired.
    if (verified.size >= CACHE_LIMIT) verified.delete(verified.keys().next().value as string);
    verified.set(token, entry);
    return checkWindow(entry);
  }
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
