import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenProvider } from './auth.js';

const accessKey = 'ak-test';
const secretKey = 'sk-test-secret';
const secret = new TextEncoder().encode(secretKey);

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('JWT from an AccessKey/SecretKey pair', () => {
  it('is an HS256 token whose claims and signature an independent verifier accepts', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const now = Math.floor(Date.now() / 1000);
    const token = await createTokenProvider({ accessKey, secretKey }).getToken();

    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      issuer: accessKey,
      currentDate: new Date(),
    });
    expect(payload).toEqual({ iss: accessKey, exp: now + 1800, nbf: now - 5 });
  });

  it('is refused by a verifier holding another secret', async () => {
    const token = await createTokenProvider({ accessKey, secretKey }).getToken();
    await expect(jwtVerify(token, new TextEncoder().encode('other'))).rejects.toThrow(/signature/);
  });

  it('signs once and serves the cached token, also to concurrent callers', async () => {
    const sign = vi.spyOn(crypto.subtle, 'sign');
    const provider = createTokenProvider({ accessKey, secretKey });
    const tokens = await Promise.all([provider.getToken(), provider.getToken(), provider.getToken()]);
    expect(await provider.getToken()).toBe(tokens[0]);
    expect(new Set(tokens).size).toBe(1);
    expect(sign).toHaveBeenCalledTimes(1);
  });

  it('re-signs ahead of expiry, not before', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const provider = createTokenProvider({
      accessKey,
      secretKey,
      tokenTtlSeconds: 1800,
      refreshAheadSeconds: 300,
    });
    const first = await provider.getToken();

    vi.advanceTimersByTime((1800 - 300) * 1000 - 1000);
    expect(await provider.getToken()).toBe(first);

    vi.advanceTimersByTime(1000);
    const second = await provider.getToken();
    expect(second).not.toBe(first);
    const { payload } = await jwtVerify(second, secret, { currentDate: new Date() });
    expect(payload.exp).toBe(Math.floor(Date.now() / 1000) + 1800);
  });

  it('re-signs after invalidate(), e.g. when the server says the token expired', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const provider = createTokenProvider({ accessKey, secretKey });
    const first = await provider.getToken();
    vi.advanceTimersByTime(1000);
    provider.invalidate();
    expect(await provider.getToken()).not.toBe(first);
  });

  it('never hands out a rejected token again: one re-signed in the same second differs from it', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00.100Z') });
    const provider = createTokenProvider({ accessKey, secretKey });
    const rejected = await provider.getToken();
    provider.invalidate(rejected);
    vi.advanceTimersByTime(500); // still the same second: the same claims would make the same bytes
    const fresh = await provider.getToken();
    expect(fresh).not.toBe(rejected);
    // Still a token the platform takes now: nbf in the past, exp a TTL ahead.
    const { payload } = await jwtVerify(fresh, secret, { currentDate: new Date() });
    const now = Math.floor(Date.now() / 1000);
    expect(payload.nbf).toBeLessThanOrEqual(now);
    expect(payload.exp).toBeGreaterThanOrEqual(now + 1800);
  });

  it('re-signs once when requests in flight with one token are all refused', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const sign = vi.spyOn(crypto.subtle, 'sign');
    const provider = createTokenProvider({ accessKey, secretKey });
    const rejected = await provider.getToken();
    provider.invalidate(rejected); // the first refused request
    const fresh = await provider.getToken();
    provider.invalidate(rejected); // the others, refused for the same old token
    provider.invalidate(rejected);
    expect(await provider.getToken()).toBe(fresh);
    expect(sign).toHaveBeenCalledTimes(2);
  });

  it('rejects incomplete or impossible settings with a message naming the field', () => {
    expect(() => createTokenProvider({ accessKey: '', secretKey })).toThrow(
      'accessKey is missing (give both, an apiKey, or getToken)',
    );
    expect(() => createTokenProvider({ accessKey, secretKey: '' })).toThrow('secretKey is missing');
    expect(() => createTokenProvider({ accessKey, secretKey, tokenTtlSeconds: 3 })).toThrow(
      /tokenTtlSeconds must be an integer from 6 to \d+; got 3/,
    );
    expect(() => createTokenProvider({ accessKey, secretKey, refreshAheadSeconds: 1800 })).toThrow(
      'refreshAheadSeconds must be an integer from 0 to 1799; got 1800',
    );
  });
});

describe('credentials of more than one kind', () => {
  const mixes: [string, object][] = [
    ['an API key next to a key pair', { apiKey: 'key', accessKey, secretKey }],
    ['an API key next to a token source', { apiKey: 'key', getToken: () => 't' }],
    ['a token source next to a key pair', { getToken: () => 't', accessKey, secretKey }],
    ['an API key next to half a key pair', { apiKey: 'key', secretKey }],
  ];
  it.each(mixes)('are refused, naming the three kinds: %s', (_, credentials) => {
    expect(() => createTokenProvider(credentials as never)).toThrow(
      'KlingClient: give accessKey with secretKey, or apiKey, or getToken: not several',
    );
  });

  it('count a field left undefined (an unset environment variable) as absent', async () => {
    const credentials = { apiKey: 'key', accessKey: undefined, secretKey: undefined };
    await expect(createTokenProvider(credentials as never).getToken()).resolves.toBe('key');
  });
});

describe('the signer, loaded on first use', () => {
  it('is not loaded until a token is needed, and serves peek() once it is', async () => {
    const provider = createTokenProvider({ accessKey, secretKey });
    expect(provider.peek()).toBeUndefined();
    provider.invalidate(); // harmless before the signer is loaded
    const token = await provider.getToken();
    expect(provider.peek()).toBe(token);
  });

  it('is fetched again on the next call when loading it failed, e.g. a browser chunk on a flaky network', async () => {
    vi.resetModules();
    vi.doMock('./jwt-signer.js', () => {
      throw new Error('chunk load failed');
    });
    const { createTokenProvider: fresh } = await import('./auth.js');
    const provider = fresh({ accessKey, secretKey });
    // vitest wraps the factory's error in its own message.
    await expect(provider.getToken()).rejects.toThrow(/chunk load failed|error when mocking/);

    vi.doUnmock('./jwt-signer.js');
    const token = await provider.getToken();
    await expect(jwtVerify(token, secret)).resolves.toMatchObject({ payload: { iss: accessKey } });
  });
});

describe('API key', () => {
  it('is sent as the bearer token unchanged', async () => {
    await expect(createTokenProvider({ apiKey: ' key-123 ' }).getToken()).resolves.toBe('key-123');
  });

  it('must not be empty', () => {
    expect(() => createTokenProvider({ apiKey: '  ' })).toThrow('apiKey is empty');
  });
});

describe('a token source of the caller', () => {
  it('is asked before every request, never cached, and needs no signer', async () => {
    let issued = 0;
    const provider = createTokenProvider({ getToken: () => `minted-${++issued}` });
    expect(provider.peek()).toBeUndefined();
    expect(await provider.getToken()).toBe('minted-1');
    expect(await provider.getToken()).toBe('minted-2');
  });

  it('must be a function', () => {
    expect(() => createTokenProvider({ getToken: 'token' as never })).toThrow('getToken must be a function');
  });
});
