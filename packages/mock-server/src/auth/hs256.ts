import type { AccountId, AuthResult } from './authenticator.js';

type Refusal = Extract<AuthResult, { ok: false }>;

/** A JWT whose signature matched the SecretKey of its `iss`; its claims are not checked yet. */
export interface SignedClaims {
  ok: true;
  account: AccountId;
  claims: Record<string, unknown>;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Checks the form and the HS256 signature of a three-part JWT against the SecretKey of the AccessKey in its
 * `iss`, with WebCrypto (constant-time `verify`, and portable: no Node module on the request path). The
 * header must say `alg: HS256` and nothing the mock would have to understand (`crit`): every other
 * algorithm, `none` included, is refused before any key is touched.
 */
export function createHs256Verifier(secrets: ReadonlyMap<string, string>) {
  // One imported key per account, made on first use.
  const keys = new Map<string, Promise<CryptoKey>>();
  const keyOf = (accessKey: string, secret: string) => {
    let key = keys.get(accessKey);
    if (!key) {
      key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
        'verify',
      ]);
      keys.set(accessKey, key);
    }
    return key;
  };

  return async function verifyHs256(token: string): Promise<SignedClaims | Refusal> {
    const [headerPart, payloadPart, signaturePart] = token.split('.') as [string, string, string];
    const header = readJson(headerPart);
    const claims = readJson(payloadPart);
    const signature = BASE64URL.test(signaturePart) ? decodeBase64Url(signaturePart) : undefined;
    if (!header || !claims || !signature) {
      return {
        ok: false,
        code: 1002,
        message: 'Authorization header is invalid: the token is not a readable JWT',
      };
    }
    if (header.alg !== 'HS256') {
      return {
        ok: false,
        code: 1000,
        message: `Authentication failed: JWT algorithm ${describe(header.alg)} is not accepted; sign with HS256`,
      };
    }
    if (header.crit !== undefined)
      return { ok: false, code: 1000, message: 'Authentication failed: the JWT header has crit extensions' };
    const { iss } = claims;
    const secret = typeof iss === 'string' ? secrets.get(iss) : undefined;
    if (secret === undefined)
      return { ok: false, code: 1000, message: 'Authentication failed: iss is not a known AccessKey' };
    const signed = await crypto.subtle.verify(
      'HMAC',
      await keyOf(iss as string, secret),
      signature,
      encoder.encode(`${headerPart}.${payloadPart}`),
    );
    if (!signed)
      return { ok: false, code: 1000, message: 'Authentication failed: the token signature does not match' };
    return { ok: true, account: iss as string, claims };
  };
}

/** A base64url part of a JWT as a JSON object, or undefined when it is not one. */
function readJson(part: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(part)) return undefined;
  const bytes = decodeBase64Url(part);
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes of unpadded base64url text (already checked to hold only its alphabet); undefined for a bad length. */
function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length % 4 === 1) return undefined;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value).slice(0, 40);
}
