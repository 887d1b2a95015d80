import { checkInteger } from './options.js';

/**
 * Bearer credentials for the Kling API: an HS256 JWT signed from an AccessKey/SecretKey pair, an opaque
 * API key sent as is, or tokens from a function of the caller's (e.g. fetched from the app's own server).
 * Signing uses WebCrypto only, so it runs unchanged in Node >= 20.19 and browsers.
 */

/** An AccessKey/SecretKey pair from the Kling developer console. */
export interface KeyPairCredentials {
  accessKey: string;
  secretKey: string;
  /** Token lifetime in seconds. The platform documents 1800 (30 minutes). */
  tokenTtlSeconds?: number | undefined;
  /** Sign a fresh token this many seconds before the cached one expires. Default 300. */
  refreshAheadSeconds?: number | undefined;
  apiKey?: never;
  getToken?: never;
}

/** A single opaque API key (newer account type), sent directly as the bearer token. */
export interface ApiKeyCredentials {
  apiKey: string;
  accessKey?: never;
  secretKey?: never;
  getToken?: never;
}

/**
 * Tokens made elsewhere: a browser page asks its own server, which holds the key pair, for a signed JWT
 * (the SecretKey in a page could be read by every visitor). Called before every request and once more
 * after a 1003/1004 answer, so cache in it and hand out a fresh token when the old one nears expiry.
 */
export interface TokenSourceCredentials {
  getToken(): string | Promise<string>;
  apiKey?: never;
  accessKey?: never;
  secretKey?: never;
}

/**
 * One of three kinds, never mixed: a key pair, an API key, or a token source. A mix (say an `apiKey` next to
 * a key pair) does not compile, and is refused at run time too rather than one of them silently winning.
 */
export type KlingCredentials = KeyPairCredentials | ApiKeyCredentials | TokenSourceCredentials;

/** Supplies the value of the `Authorization` header, signing and caching tokens as needed. */
export interface TokenProvider {
  /** The bearer token to send now (cached; re-signed ahead of expiry). */
  getToken(): Promise<string>;
  /** The cached token when it is fresh, without waiting: the hot path skips an `await` with it. */
  peek(): string | undefined;
  /**
   * Drops the cached token after the server answered 1003/1004 to `token` (or whatever is cached, when no
   * token is given), so the next call gets a fresh one. A token signed since `token` is kept.
   */
  invalidate(token?: string): void;
}

const DEFAULT_TTL_SECONDS = 1800;
const DEFAULT_REFRESH_AHEAD_SECONDS = 300;
/** The platform's own samples back-date `nbf` by 5 s to absorb clock skew between client and server. */
const NOT_BEFORE_SKEW_SECONDS = 5;

export function createTokenProvider(credentials: KlingCredentials): TokenProvider {
  const { apiKey, getToken, accessKey, secretKey } = credentials;
  // A kind is given when one of its fields is: `undefined` and `null` count as absent (an unset variable).
  if ([apiKey, getToken, accessKey ?? secretKey].filter((field) => field != null).length > 1) {
    throw new TypeError('KlingClient: give accessKey with secretKey, or apiKey, or getToken: not several');
  }
  if (apiKey != null) {
    const key = typeof apiKey === 'string' && apiKey.trim();
    if (!key) throw new TypeError('KlingClient: apiKey is empty');
    return { getToken: async () => key, peek: () => key, invalidate: () => {} };
  }
  if (getToken != null) {
    if (typeof getToken !== 'function') throw new TypeError('KlingClient: getToken must be a function');
    return { getToken: async () => getToken(), peek: () => undefined, invalidate: () => {} };
  }
  return createJwtProvider(credentials as KeyPairCredentials);
}

/**
 * The settings are checked here, when the client is made; the signer itself (WebCrypto, the token cache) is
 * loaded on the first request. Browser pages should not hold a SecretKey at all (every visitor could read
 * it), so the pages that follow that advice never download the signer: bundlers split the dynamic import
 * into its own chunk.
 */
function createJwtProvider(credentials: KeyPairCredentials): TokenProvider {
  const { accessKey, secretKey } = credentials;
  if (!accessKey || !secretKey) {
    throw new TypeError(
      `KlingClient: ${accessKey ? 'secretKey' : 'accessKey'} is missing (give both, an apiKey, or getToken)`,
    );
  }
  const ttl = checkInteger(
    'tokenTtlSeconds',
    credentials.tokenTtlSeconds ?? DEFAULT_TTL_SECONDS,
    NOT_BEFORE_SKEW_SECONDS + 1,
    Number.MAX_SAFE_INTEGER,
  );
  const refreshAhead = checkInteger(
    'refreshAheadSeconds',
    credentials.refreshAheadSeconds ?? DEFAULT_REFRESH_AHEAD_SECONDS,
    0,
    ttl - 1,
  );

  let signer: TokenProvider | undefined;
  // The module system caches the chunk, and a chunk that failed to load (a flaky network in a browser) is
  // fetched again on the next call; concurrent first calls still share one signer.
  const load = async () => {
    const { createJwtSigner } = await import('./jwt-signer.js');
    signer ??= createJwtSigner(accessKey, secretKey, ttl, refreshAhead, NOT_BEFORE_SKEW_SECONDS);
    return signer;
  };
  return {
    getToken: async () => (signer ?? (await load())).getToken(),
    peek: () => signer?.peek(),
    invalidate: (token) => signer?.invalidate(token),
  };
}
