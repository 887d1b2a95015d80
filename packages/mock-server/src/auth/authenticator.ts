import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { Clock } from '../lifecycle/clock.js';
import { API_KEY_ACCOUNT_PREFIX } from './account-label.js';

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

/**
 * Verifies `Authorization: Bearer <token>` the way the platform does: an HS256 JWT whose `iss` is a known
 * AccessKey, signed with its SecretKey and inside its `nbf`/`exp` window, or a configured API key. Every
 * other algorithm (`none`, RS256...) is refused. Verified tokens are cached, so a client that reuses its
 * token (as it should) pays for one HMAC, not one per request; the time window is checked on every use.
 */
export function createAuthenticator(options: {
  accounts: KeyPairAccount[];
  apiKeys: string[];
  clock: Clock;
}) {
  const secrets = new Map(
    options.accounts.map((account) => [account.accessKey, new TextEncoder().encode(account.secretKey)]),
  );
  const apiKeys = new Set(options.apiKeys);
  const verified = new Map<string, { account: AccountId; nbf: number; exp: number }>();

  const checkWindow = (entry: { nbf: number; exp: number }): AuthResult | undefined => {
    const now = options.clock.now() / 1000;
    if (now + LEEWAY_SECONDS < entry.nbf)
      return { ok: false, code: 1003, message: 'Token is not yet valid: nbf is in the future' };
    if (now - LEEWAY_SECONDS >= entry.exp)
      return { ok: false, code: 1004, message: 'Token has expired: sign a new one' };
    return undefined;
  };

  return {
    /** Synchronous for cached tokens and API keys; a promise only when a JWT must be verified. */
    authenticate(header: string | null): AuthResult | Promise<AuthResult> {
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
      if (cached) return checkWindow(cached) ?? { ok: true, account: cached.account };
      // Configured API keys first (a Set lookup, not a comparison that stops at the first differing
      // character): a key that happens to hold two dots is still a key, not a malformed JWT.
      if (apiKeys.has(token)) return { ok: true, account: `${API_KEY_ACCOUNT_PREFIX}${token}` };
      if (token.split('.').length !== 3)
        return { ok: false, code: 1000, message: 'Authentication failed: unknown API key' };
      return verifyJwt(token);
    },
  };

  async function verifyJwt(token: string): Promise<AuthResult> {
    let alg: unknown;
    let issuer: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      issuer = decodeJwt(token).iss;
    } catch {
      return {
        ok: false,
        code: 1002,
        message: 'Authorization header is invalid: the token is not a readable JWT',
      };
    }
    if (alg !== 'HS256') {
      return {
        ok: false,
        code: 1000,
        message: `Authentication failed: JWT algorithm ${String(alg)} is not accepted; sign with HS256`,
      };
    }
    const secret = typeof issuer === 'string' ? secrets.get(issuer) : undefined;
    if (!secret)
      return { ok: false, code: 1000, message: 'Authentication failed: iss is not a known AccessKey' };
    try {
      const { payload } = await jwtVerify(token, secret, {
        algorithms: ['HS256'],
        requiredClaims: ['iss', 'exp'],
        clockTolerance: LEEWAY_SECONDS,
        currentDate: new Date(options.clock.now()),
      });
      const entry = { account: issuer as string, nbf: payload.nbf ?? 0, exp: payload.exp as number };
      if (verified.size >= CACHE_LIMIT) verified.delete(verified.keys().next().value as string);
      verified.set(token, entry);
      return { ok: true, account: entry.account };
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        return { ok: false, code: 1004, message: 'Token has expired: sign a new one' };
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') {
        return { ok: false, code: 1003, message: 'Token is not yet valid: nbf is in the future' };
      }
      if (error instanceof errors.JWTClaimValidationFailed) {
        return {
          ok: false,
          code: 1000,
          message: `Authentication failed: claim ${error.claim} is ${error.reason}`,
        };
      }
      return { ok: false, code: 1000, message: 'Authentication failed: the token signature does not match' };
    }
  }
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
