/**
 * Failures before any answer, against real peers on 127.0.0.1: a port nobody listens on, a server that
 * speaks plain HTTP to a TLS client, a server that never answers. Each error must say where (method, origin
 * and path) and why (the innermost cause), keep `cause`, and carry no token or key.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KlingConnectionError } from '../src/core/errors.js';
import { createKlingClient } from '../src/kling-client.js';
import { listen, stop } from './loopback.js';
import { rejectionOf } from './rejection.js';

const API_KEY = 'ak-9f8e7d6c5b4a-secret';
const TASK = '867283741759111202';

/** The rejection of `call`, which must be a KlingConnectionError. */
const failure = (call: Promise<unknown>) => rejectionOf(call, KlingConnectionError);

/** A client of the API key at `origin` that retries nothing. */
const clientAt = (origin: string, options: { timeoutMs?: number; fetch?: typeof fetch } = {}) =>
  createKlingClient({ apiKey: API_KEY, baseUrl: origin, maxRetries: 0, ...options });

/** Nothing secret anywhere a log could print it. */
function expectNoSecrets(error: Error, ...secrets: string[]) {
  const printed = [error.message, String(error), error.stack ?? '', JSON.stringify(error)].join('\n');
  for (const secret of secrets) expect(printed).not.toContain(secret);
}

let silent: Server;
let plain: Server;
let closedPort: number;
let silentPort: number;
let plainPort: number;
beforeAll(async () => {
  // A port that was just free: nothing listens there any more.
  const closed = createServer();
  closedPort = await listen(closed);
  await stop(closed);
  silent = createServer(() => {}); // reads the request, never answers
  silentPort = await listen(silent);
  plain = createServer((_, response) => response.end('plain HTTP'));
  plainPort = await listen(plain);
});
afterAll(async () => {
  await stop(silent);
  await stop(plain);
});

describe('a request that gets no answer', () => {
  it('names the method, origin and path and the refused address, keeping the cause', async () => {
    const kling = clientAt(`http://127.0.0.1:${closedPort}`);
    const error = await failure(kling.tasks.get('generations', TASK));
    const url = `http://127.0.0.1:${closedPort}/v1/images/generations/${TASK}`;
    expect(error.message).toBe(`GET ${url} failed: connect ECONNREFUSED 127.0.0.1:${closedPort}`);
    expect(error).toMatchObject({ method: 'GET', url, timedOut: false, retryable: true });
    // The error fetch threw, with its own cause (the system error), as it was.
    expect(error.cause).toBeInstanceOf(TypeError);
    expect((error.cause as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expectNoSecrets(error, API_KEY);
  });

  it('leaves the query out (an external_task_id is the caller’s) and names a POST', async () => {
    const kling = clientAt(`http://127.0.0.1:${closedPort}`);
    const byExternal = await failure(kling.tasks.get('omni', { externalTaskId: 'order-42' }));
    expect(byExternal.url).toBe(`http://127.0.0.1:${closedPort}/v1/images/omni-image`);
    expect(byExternal.message).not.toContain('order-42');
    const raw = await failure(kling.POST('/v1/images/omni-image', { body: { prompt: 'a boat' } }));
    expect(raw.message).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/v1\/images\/omni-image failed: connect ECONNREFUSED/,
    );
  });

  it('says a TLS handshake failed when the server speaks plain HTTP', async () => {
    const kling = clientAt(`https://127.0.0.1:${plainPort}`);
    const error = await failure(kling.GET('/v1/images/generations', {}));
    expect(error.message).toMatch(
      new RegExp(
        `^GET https://127\\.0\\.0\\.1:${plainPort}/v1/images/generations failed: .*(SSL|TLS|ssl|tls)`,
      ),
    );
    // OpenSSL ends its text with a newline: trimmed, and no control character reaches the message.
    expect([...error.message].filter((character) => character < ' ')).toEqual([]);
    expectNoSecrets(error, API_KEY);
  });

  it('says how long it waited when the per-request timeout ends it', async () => {
    const kling = clientAt(`http://127.0.0.1:${silentPort}`, { timeoutMs: 150 });
    const error = await failure(kling.tasks.get('generations', TASK));
    expect(error.message).toBe(
      `GET http://127.0.0.1:${silentPort}/v1/images/generations/${TASK} failed: no answer within 150 ms`,
    );
    expect(error).toMatchObject({ timedOut: true, method: 'GET' });
    expect(error.cause).toMatchObject({ timedOut: true });
  });

  it('never shows a token a careless fetch quotes, nor the key pair it was signed with', async () => {
    let token = '';
    const kling = createKlingClient({
      accessKey: 'AK-in-no-message',
      secretKey: 'SK-in-no-message',
      baseUrl: `http://127.0.0.1:${closedPort}`,
      maxRetries: 0,
      // A fetch that fails the way a careless wrapper might: quoting the request's Authorization header.
      fetch: async (request) => {
        token = request.headers.get('authorization')?.replace('Bearer ', '') ?? '';
        throw new TypeError('fetch failed', { cause: new Error(`refused, authorization: Bearer ${token}`) });
      },
    });
    const error = await failure(kling.tasks.get('generations', TASK));
    expect(token.length).toBeGreaterThan(20);
    expect(error.message).toBe(
      `GET http://127.0.0.1:${closedPort}/v1/images/generations/${TASK} failed: refused, authorization: Bearer [token]`,
    );
    expectNoSecrets(error, token, 'SK-in-no-message');
  });

  it('never shows the user:password of a base URL, in its own words or in the cause it quotes', async () => {
    const kling = clientAt(`http://admin:hunter2@127.0.0.1:${closedPort}`);
    const error = await failure(kling.tasks.get('generations', TASK));
    // fetch refuses such a URL, quoting it; the message keeps the refusal and drops the password.
    expect(error.message).toContain(
      `GET http://127.0.0.1:${closedPort}/v1/images/generations/${TASK} failed:`,
    );
    expect(error.url).toBe(`http://127.0.0.1:${closedPort}/v1/images/generations/${TASK}`);
    expectNoSecrets(error, 'hunter2', API_KEY);
  });

  it('reports a DNS failure as Node words it, and a cause chain that loops without hanging', async () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND api.kling.invalid'), { code: 'ENOTFOUND' });
    const looping = new TypeError('fetch failed');
    (looping as { cause?: unknown }).cause = looping;
    const answers = [new TypeError('fetch failed', { cause: dns }), looping];
    const kling = clientAt('https://api.kling.invalid', {
      fetch: async () => {
        throw answers.shift();
      },
    });
    const first = await failure(kling.GET('/v1/images/omni-image', {}));
    expect(first.message).toBe(
      'GET https://api.kling.invalid/v1/images/omni-image failed: getaddrinfo ENOTFOUND api.kling.invalid',
    );
    const second = await failure(kling.GET('/v1/images/omni-image', {}));
    expect(second.message).toBe('GET https://api.kling.invalid/v1/images/omni-image failed: fetch failed');
  });

  it('escapes control characters and cuts a long reason short', async () => {
    const kling = clientAt('http://127.0.0.1:9', {
      fetch: async () => {
        throw new TypeError('fetch failed', { cause: new Error(`\x1b[31mred\x9b2J${'x'.repeat(1000)}`) });
      },
    });
    const error = await failure(kling.GET('/v1/images/omni-image', {}));
    expect(error.message).toMatch(/failed: \?\[31mred\?2Jx+$/);
    expect(error.message.length).toBeLessThan(400);
  });
});
