import { createKlingClient, type KlingClientOptions } from '@klingkit/client';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMockServer, type MockServer } from '../src/index.js';

const DAY_MS = 24 * 3600 * 1000;
const ORIGIN = 'http://kling.test';
const PAIR = { accessKey: 'time-access-key', secretKey: 'time-secret-key' };
const API_KEY = 'time-api-key-0123456789';
const servers: MockServer[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function start() {
  const mock = createMockServer({ accounts: [PAIR], apiKeys: [API_KEY] });
  servers.push(mock);
  return mock;
}

/** A client of `mock` through the given door, and the re-signs it reported. */
function clientOf(mock: MockServer, baseUrl: string, credentials: KlingClientOptions) {
  const resigned: unknown[] = [];
  const client = createKlingClient({
    ...credentials,
    baseUrl,
    ...(baseUrl === ORIGIN && { fetch: (request: Request) => mock.fetch(request) }),
    maxRetries: 0,
    logger: {
      debug: (message, details) => {
        if (message.includes('token rejected')) resigned.push(details?.code);
      },
      warn: () => {},
    },
  });
  return { client, resigned };
}

const seconds = () => Math.floor(Date.now() / 1000);
const sign = (claims: Record<string, unknown>) =>
  new SignJWT({ iss: PAIR.accessKey, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(PAIR.secretKey));

/** The business code `mock` answers a list request carrying `token` with (0: accepted). */
async function codeFor(mock: MockServer, token: string): Promise<{ code: number; message: string }> {
  const response = await mock.fetch(
    new Request(`${ORIGIN}/v1/images/generations`, { headers: { authorization: `Bearer ${token}` } }),
  );
  return (await response.json()) as { code: number; message: string };
}

describe('the mock clock never decides whether a token is valid', () => {
  it.each(['in-process', 'http'] as const)(
    'keeps key pairs and API keys working after the clock moves 31 days ahead (%s)',
    async (door) => {
      const mock = start();
      const baseUrl = door === 'http' ? await mock.listen() : ORIGIN;
      const { client: pair, resigned } = clientOf(mock, baseUrl, PAIR);
      const { client: key } = clientOf(mock, baseUrl, { apiKey: API_KEY });
      const before = await pair.tasks.create('generations', { prompt: 'before the jump' });
      await key.tasks.create('generations', { prompt: 'before the jump, by key' });

      mock.advanceClock(31 * DAY_MS);
      // The token the client holds, signed before the jump, is still good: it was signed with real time.
      expect(await pair.tasks.get('generations', before.task_id)).toMatchObject({ task_status: 'succeed' });
      await pair.tasks.create('generations', { prompt: 'after the jump' });
      await key.tasks.create('generations', { prompt: 'after the jump, by key' });
      expect(resigned).toEqual([]);
      // So is a token signed now and never seen before.
      const fresh = await sign({ exp: seconds() + 600, nbf: seconds() - 5 });
      const send = door === 'http' ? fetch : (request: Request) => mock.fetch(request);
      const answer = await send(
        new Request(`${baseUrl}/v1/images/generations`, { headers: { authorization: `Bearer ${fresh}` } }),
      );
      expect(((await answer.json()) as { code: number }).code).toBe(0);
      // The jump did what it is for: the results are past their 30-day retention.
      const [task] = mock.tasks(PAIR.accessKey);
      const url = (task?.task as { task_result?: { images: { url: string }[] } } | undefined)?.task_result
        ?.images[0]?.url;
      expect((await mock.fetch(new Request(url as string))).status).toBe(404);
    },
  );
});

describe('expireTokens', () => {
  it('makes every token seen so far answer 1004; the client signs a new one in the same second and recovers', async () => {
    // Real time stands still: the new token is signed in the very second the expired one was.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-01T12:00:00.200Z') });
    const mock = start();
    const { client, resigned } = clientOf(mock, ORIGIN, PAIR);
    const { client: key } = clientOf(mock, ORIGIN, { apiKey: API_KEY });
    const created = await client.tasks.create('generations', { prompt: 'before' });
    const expired = await client.tokens.getToken();

    mock.expireTokens();
    // One 1004, one fresh token, one resend: the call succeeds (maxRetries is 0; a re-sign is no retry).
    expect(await client.tasks.get('generations', created.task_id)).toMatchObject({
      task_id: created.task_id,
    });
    expect(resigned).toEqual([1004]);
    const fresh = await client.tokens.getToken();
    expect(fresh).not.toBe(expired);
    expect(await codeFor(mock, expired)).toEqual({
      code: 1004,
      message: 'Token has expired (the mock controls expired every token issued before): sign a new one',
      request_id: expect.any(String),
    });
    expect((await codeFor(mock, fresh)).code).toBe(0);
    // API keys are not tokens: untouched.
    await key.tasks.create('generations', { prompt: 'by key' });
    // And again: the control expires the tokens signed since the last time too.
    mock.expireTokens();
    expect((await codeFor(mock, fresh)).code).toBe(1004);
    await client.tasks.create('generations', { prompt: 'after the second control' });
    expect(resigned).toEqual([1004, 1004]);
  });

  it("refuses a token first sent after the control when its iat is before the control's second", async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-01T12:00:00.500Z') });
    const mock = start();
    const exp = seconds() + 600;
    const earlier = await sign({ exp, iat: seconds() - 1 });
    const sameSecond = await sign({ exp, iat: seconds() });
    const withoutIat = await sign({ exp, nbf: seconds() - 5 });
    mock.expireTokens();
    expect((await codeFor(mock, earlier)).code).toBe(1004);
    // Issued in the control's second, or with no iat at all: indistinguishable from a token signed after it.
    expect((await codeFor(mock, sameSecond)).code).toBe(0);
    expect((await codeFor(mock, withoutIat)).code).toBe(0);
    // A token refused once stays refused.
    expect((await codeFor(mock, earlier)).code).toBe(1004);
  });

  it('is served over HTTP at POST /__mock/expire-tokens, JSON only, with no fields', async () => {
    const mock = start();
    const url = await mock.listen();
    const token = await sign({ exp: seconds() + 600 });
    expect((await codeFor(mock, token)).code).toBe(0);
    const post = (init: RequestInit) => fetch(`${url}/__mock/expire-tokens`, { method: 'POST', ...init });

    // Refused requests change nothing.
    const fromPage = await post({
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
    });
    expect(fromPage.status).toBe(403);
    const text = await post({ headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const extra = await post({ headers: { 'content-type': 'application/json' }, body: '{"before":0}' });
    expect(extra.status).toBe(400);
    expect(await extra.json()).toEqual({ error: 'control body has no field "before"; allowed: none' });
    expect((await codeFor(mock, token)).code).toBe(0);

    const done = await post({ headers: { 'content-type': 'application/json' } });
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ ok: true });
    expect((await codeFor(mock, token)).code).toBe(1004);
  });
});
