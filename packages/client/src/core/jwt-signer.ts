import type { TokenProvider } from './auth.js';

/**
 * Signs and caches the HS256 JWTs of a key pair. Loaded on first use by `createTokenProvider`, which has
 * already checked the settings.
 */

/** `skew`: seconds `nbf` is back-dated by. Positional arguments: their names would cost the browser entry bytes. */
export function createJwtSigner(
  accessKey: string,
  secretKey: string,
  ttl: number,
  refreshAhead: number,
  skew: number,
): TokenProvider {
  let key: Promise<CryptoKey> | undefined;
  // The pending promise is cached too, so concurrent requests share one signature.
  let cached: { token: Promise<string>; issuedAt: number; refreshAt: number; value?: string } | undefined;
  // The earliest second the next token may be issued at: after a rejected token's, whose claims (and so
  // whose bytes: same claims, same key) a token signed in the same second would repeat.
  let earliest = 0;

  return {
    getToken() {
      const now = Date.now();
      if (cached && now < cached.refreshAt) return cached.token;
      key ??= importHmacKey(secretKey);
      const issuedAt = Math.max(Math.floor(now / 1000), earliest);
      const token = key.then((k) =>
        signJwt(k, { iss: accessKey, exp: issuedAt + ttl, nbf: issuedAt - skew }),
      );
      const entry: NonNullable<typeof cached> = {
        token,
        issuedAt,
        refreshAt: (issuedAt + ttl - refreshAhead) * 1000,
      };
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
    invalidate(rejected) {
      // Requests in flight with the old token are refused one by one: the first re-signs, the rest keep its token.
      if (!cached || (rejected !== undefined && rejected !== cached.value)) return;
      earliest = cached.issuedAt + 1;
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
