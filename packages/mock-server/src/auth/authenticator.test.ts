import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from './authenticator.js';

const accessKey = 'unit-access-key';
const secretKey = 'unit-secret-key';
const T = Date.parse('2026-03-01T12:00:00Z') / 1000;

/** An authenticator on a real time the test sets, in seconds. */
function authenticatorAt(seconds: number) {
  const time = { now: seconds };
  const auth = createAuthenticator({
    accounts: [{ accessKey, secretKey }],
    apiKeys: [],
    now: () => time.now * 1000,
  });
  const check = async (token: string) => auth.authenticate(`Bearer ${token}`);
  return { auth, time, check };
}

const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  new SignJWT({ iss: accessKey, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header })
    .sign(new TextEncoder().encode(secretKey));
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Signed by hand, for headers a JWT library refuses to make. */
const signRaw = (header: unknown, claims: unknown) => {
  const input = `${part(header)}.${part(claims)}`;
  return `${input}.${createHmac('sha256', secretKey).update(input).digest('base64url')}`;
};

describe('token windows, on real time', () => {
  it('takes nbf and exp with 5 s of leeway, on first sight and from the cache alike', async () => {
    const { time, check } = authenticatorAt(T);
    const token = await sign({ nbf: T + 5, exp: T + 60 });
    expect(await check(token)).toEqual({ ok: true, account: accessKey });
    time.now = T + 64.9;
    expect(await check(token)).toMatchObject({ ok: true });
    time.now = T + 65;
    expect(await check(token)).toMatchObject({ ok: false, code: 1004 });

    const early = authenticatorAt(T);
    const notYet = await sign({ nbf: T + 6, exp: T + 60 });
    expect(await early.check(notYet)).toMatchObject({ ok: false, code: 1003 });
    early.time.now = T + 1;
    expect(await early.check(notYet)).toMatchObject({ ok: true });
    const late = authenticatorAt(T + 65);
    expect(await late.check(await sign({ exp: T + 60 }))).toMatchObject({ ok: false, code: 1004 });
  });

  it('refuses malformed claims as failed authentication, naming the claim', async () => {
    const { check } = authenticatorAt(T);
    expect(await check(await sign({}))).toEqual({
      ok: false,
      code: 1000,
      message: 'Authentication failed: claim exp is missing',
    });
    for (const [claim, value] of [
      ['exp', '2030'],
      ['nbf', 'soon'],
      ['iat', null],
      ['exp', [T + 60]],
    ] as const) {
      expect(await check(await sign({ exp: T + 60, [claim]: value }))).toEqual({
        ok: false,
        code: 1000,
        message: `Authentication failed: claim ${claim} must be a number`,
      });
    }
  });
});

describe('the form and the signature of a token', () => {
  it('refuses unreadable tokens with 1002 and anything but a good HS256 signature with 1000', async () => {
    const { check } = authenticatorAt(T);
    const good = await sign({ exp: T + 60 });
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const cases: [string, string, number][] = [
      ['header not base64url', `${header}=.${payload}.${signature}`, 1002],
      ['payload an array', `${header}.${part([accessKey])}.${signature}`, 1002],
      ['payload not JSON', `${header}.${Buffer.from('{iss').toString('base64url')}.${signature}`, 1002],
      ['signature of an impossible length', `${header}.${payload}.${signature.slice(0, 41)}`, 1002],
      ['alg none', `${part({ alg: 'none' })}.${payload}.`, 1000],
      ['alg HS512', await sign({ exp: T + 60 }, { alg: 'HS512' }), 1000],
      ['crit extension', signRaw({ alg: 'HS256', crit: ['exp'] }, { iss: accessKey, exp: T + 60 }), 1000],
      ['unknown iss', `${header}.${part({ iss: 'someone', exp: T + 60 })}.${signature}`, 1000],
      ['payload changed', `${header}.${part({ iss: accessKey, exp: T + 6000 })}.${signature}`, 1000],
      [
        'signature of another token',
        `${header}.${payload}.${(await sign({ exp: T + 61 })).split('.')[2]}`,
        1000,
      ],
    ];
    for (const [name, token, code] of cases) {
      const result = await check(token);
      expect({ name, ok: result.ok, code: result.ok ? 0 : result.code }).toEqual({ name, ok: false, code });
    }
    expect(await check(good)).toMatchObject({ ok: true });
  });
});

describe('expireIssued', () => {
  it('also expires a token whose first verification was still running when it was called', async () => {
    const { auth, check } = authenticatorAt(T);
    const token = await sign({ exp: T + 600 });
    const pending = auth.authenticate(`Bearer ${token}`);
    expect(pending).toBeInstanceOf(Promise);
    auth.expireIssued();
    expect(await pending).toMatchObject({ ok: false, code: 1004 });
    expect(await check(token)).toMatchObject({ ok: false, code: 1004 });
  });
});
