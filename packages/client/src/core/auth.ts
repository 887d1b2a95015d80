import { checkInteger } from './options.js';

/**
 * Bearer credentials for the Kling API: an HS256 JWT signed from an AccessKey/SecretKey pair, or an
 * opaque API key sent as is. Uses WebCrypto only, so it runs unchanged in Node >= 20.19 and browsers.
 */

/** An AccessKey/SecretKey pair from the Kling developer console. */
export interface KeyPairCredentials {
  accessKey: string;
  secretKey: string;
  /** Token lifetime in seconds. The platform documents 1800 (30 minutes). */
  tokenTtlSeconds?: number;
  /** Sign a fresh token this many seconds before the cached one expires. Default 300. */
  refreshAheadSeconds?: number;
}

/** A single opaque API key (newer account type), sent directly as the bearer token. */
export interface ApiKeyCredentials {
  apiKey: string;
}

export type KlingCredentials = KeyPairCredentials | ApiKeyCredentials;

/** Supplies the value of the `Authorization` header, signing and caching tokens as needed. */
export interface TokenProvider {
  /** The bearer token to send now (cached; re-signed ahead of expiry). */
  getToken(): Promise<string>;
  /** The cached token when it is fresh, without waiting: the hot path skips an `await` with it. */
  peek(): string | undefined;
  /** Drops the cached token, e.g. after the server answered 1003/1004, so the next call re-signs. */
  invalidate(): void;
}

const DEFAULT_TTL_SECONDS = 1800;
const DEFAULT_REFRESH_AHEAD_SECONDS = 300;
/** The platform's own samples back-date `nbf` by 5 s to absorb clock skew between client and server. */
const NOT_BEFORE_SKEW_SECONDS = 5;

export function createTokenProvider(credentials: KlingCredentials): TokenProvider {
  if ('apiKey' in credentials) {
    const apiKey = credentials.apiKey?.trim();
    if (!apiKey) throw new TypeError('KlingClient: apiKey is empty');
    return { getToken: async () => apiKey, peek: () => apiKey, invalidate: () => {} };
  }
  return createJwtProvider(credentials);
}

function createJwtProvider(credentials: KeyPairCredentials): TokenProvider {
  const { accessKey, secretKey } = credentials;
  if (!accessKey || !secretKey) {
    throw new TypeError(
      `KlingClient: ${accessKey ? 'secretKey' : 'accessKey'} is missing (give both, or an apiKey)`,
    );
  }
  const ttl = credentials.tokenTtlSeconds ?? DEFAULT_TTL_SECONDS;
  const refreshAhead = credentials.refreshAheadSeconds ?? DEFAULT_REFRESH_AHEAD_SECONDS;
  checkInteger('tokenTtlSeconds', ttl, NOT_BEFORE_SKEW_SECONDS + 1, Number.MAX_SAFE_INTEGER);
  checkInteger('refreshAheadSeconds', refreshAhead, 0, ttl - 1);

  let key: Promise<CryptoKey> | undefined;
  // The pending promise is cached too, so concurrent requests share one signature.
  let cached: { token: Promise<string>; refreshAt: number; value?: string } | undefined;

  return {
    getToken() {
      const now = Date.now();
      if (cached && now < cached.refreshAt) return cached.token;
      key ??= importHmacKey(secretKey);
      const issuedAt = Math.floor(now / 1000);
      const token = key.then((k) =>
        signJwt(k, { iss: accessKey, exp: issuedAt + ttl, nbf: issuedAt - NOT_BEFORE_SKEW_SECONDS }),
      );
      const entry: NonNullable<typeof cached> = { token, refreshAt: (issuedAt + ttl - refreshAhead) * 1000 };
      cached = entry;
      token.then((value) => {
        entry.value = value;
      }, noop);
      // A failed signature must not poison the cache for later calls.
      token.catch(() => {
        if (cached === entry) cached = undefined;
      });
      return token;
    },
    peek() {
      return cached && Date.now() < cached.refreshAt ? cached.value : undefined;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

function noop() {}

const encoder = new TextEncoder();

function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
}

async function signJwt(key: CryptoKey, claims: { iss: string; exp: number; nbf: number }): Promise<string> {
  const signingInput = `${base64UrlJson({ alg: 'HS256', typ: 'JWT' })}.${base64UrlJson(claims)}`;
  const signature = await crypto.subtle.sign('HMAC', key, encoder.encode(signingInput));
  return `${signingInput}.${base64Url(new Uint8Array(signature))}`;
}

function base64UrlJson(value: object): string {
  return base64Url(encoder.encode(JSON.stringify(value)));
}

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
