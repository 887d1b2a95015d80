import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { createKlingClient } from '../kling-client.js';
import { KLING_SERVERS, parseRetryAfter } from './client.js';
import { KlingApiError } from './errors.js';

type Answer = { status?: number; body: unknown; headers?: Record<string, string> };

/** An injected fetch that records every request and answers from a script, as openapi-fetch's own tests do. */
function scriptedFetch(...answers: Answer[]) {
  const requests: Request[] = [];
  const fetch = vi.fn(async (request: Request) => {
    requests.push(request);
    const answer = answers[Math.min(requests.length - 1, answers.length - 1)] as Answer;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    return new Response(text, {
      status: answer.status ?? 200,
      headers: {
        'content-type': typeof answer.body === 'string' ? 'text/html' : 'application/json',
        ...answer.headers,
      },
    });
  });
  return { fetch, requests };
}

const task = {
  task_id: '867283741759111202',
  task_status: 'succeed',
  task_status_msg: '',
  task_info: { external_task_id: 'order-42' },
  created_at: 1722769557708,
  updated_at: 1722769575612,
  final_unit_deduction: '8',
  watermark_info: { enabled: false },
  task_result: { images: [{ index: 0, url: 'https://cdn.example/0.png' }] },
};
const ok = (data: unknown) => ({ body: { code: 0, message: 'SUCCEED', request_id: 'req-ok', data } });
const credentials = { accessKey: 'ak', secretKey: 'sk' };

describe('createKlingClient', () => {
  it('sends a signed bearer token to the Singapore host by default', async () => {
    const { fetch, requests } = scriptedFetch(ok(task));
    const client = createKlingClient({ ...credentials, fetch });
    const { data } = await client.GET('/v1/images/generations/{id}', {
      params: { path: { id: task.task_id } },
    });

    expect(data?.data?.task_result?.images?.[0]?.url).toBe('https://cdn.example/0.png');
    const request = requests[0] as Request;
    expect(request.url).toBe(`${KLING_SERVERS.singapore}/v1/images/generations/${task.task_id}`);
    const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
    const { payload } = await jwtVerify(token, new TextEncoder().encode('sk'), { issuer: 'ak' });
    expect(payload.iss).toBe('ak');
  });

  it('sends an API key as the bearer token, to a custom base URL', async () => {
    const { fetch, requests } = scriptedFetch(ok([task]));
    const client = createKlingClient({ apiKey: 'key-1', baseUrl: 'http://127.0.0.1:4010/', fetch });
    await client.GET('/v1/images/omni-image', { params: { query: { pageNum: 2, pageSize: 10 } } });
    expect(requests[0]?.url).toBe('http://127.0.0.1:4010/v1/images/omni-image?pageNum=2&pageSize=10');
    expect(requests[0]?.headers.get('authorization')).toBe('Bearer key-1');
  });

  it('signs one token for many requests', async () => {
    const sign = vi.spyOn(crypto.subtle, 'sign');
    const { fetch } = scriptedFetch(ok(task));
    const client = createKlingClient({ ...credentials, fetch });
    await Promise.all(
      Array.from({ length: 20 }, () =>
        client.GET('/v1/images/generations/{id}', { params: { path: { id: task.task_id } } }),
      ),
    );
    expect(fetch).toHaveBeenCalledTimes(20);
    expect(sign).toHaveBeenCalledTimes(1);
    sign.mockRestore();
  });

  it('rejects code != 0 on HTTP 200 with a KlingApiError', async () => {
    const { fetch } = scriptedFetch({
      body: { code: 1303, message: 'parallel task over resource pack limit', request_id: 'r-1' },
    });
    const client = createKlingClient({ ...credentials, fetch, maxRetries: 0 });
    const error = await client
      .POST('/v1/images/generations', { body: { prompt: 'a red fox' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlingApiError);
    expect(error).toMatchObject({
      httpStatus: 200,
      code: 1303,
      category: 'rate_limit',
      retryable: true,
      requestId: 'r-1',
    });
  });

  it('rejects a non-2xx envelope with its code, request id and Retry-After', async () => {
    const { fetch } = scriptedFetch({
      status: 429,
      body: { code: 1102, message: 'Account balance not enough', request_id: 'r-2' },
      headers: { 'retry-after': '3' },
    });
    const client = createKlingClient({ ...credentials, fetch });
    await expect(client.POST('/v1/images/omni-image', { body: { prompt: 'x' } })).rejects.toMatchObject({
      httpStatus: 429,
      code: 1102,
      category: 'account',
      retryable: false,
      requestId: 'r-2',
      apiMessage: 'Account balance not enough',
      retryAfterMs: 3000,
    });
  });

  it('rejects a non-JSON gateway error by HTTP status', async () => {
    const { fetch } = scriptedFetch({ status: 502, body: '<html>Bad Gateway</html>' });
    const client = createKlingClient({ ...credentials, fetch, maxRetries: 0 });
    await expect(client.GET('/v1/images/generations', {})).rejects.toMatchObject({
      httpStatus: 502,
      code: undefined,
      category: 'server',
      retryable: true,
    });
  });

  it('re-signs once and resends when the server says the token expired (1004)', async () => {
    const { fetch, requests } = scriptedFetch(
      { status: 401, body: { code: 1004, message: 'token expired', request_id: 'r-3' } },
      ok(task),
    );
    const client = createKlingClient({ ...credentials, fetch });
    vi.useFakeTimers({ toFake: ['Date'] });
    const first = await client.tokens.getToken();
    // Tokens have one-second resolution: move on so the re-signed token differs visibly.
    vi.setSystemTime(Date.now() + 2000);
    await client.GET('/v1/images/generations/{id}', { params: { path: { id: '1' } } });
    expect(requests).toHaveLength(2);
    expect(requests[0]?.headers.get('authorization')).toBe(`Bearer ${first}`);
    expect(requests[1]?.headers.get('authorization')).not.toBe(`Bearer ${first}`);
    vi.useRealTimers();
  });

  it("asks the caller's token source for every request, and once more after 1004", async () => {
    const { fetch, requests } = scriptedFetch(
      ok(task),
      { status: 401, body: { code: 1004, message: 'token expired', request_id: 'r-4' } },
      ok(task),
    );
    let minted = 0;
    const client = createKlingClient({ getToken: async () => `server-minted-${++minted}`, fetch });
    await client.GET('/v1/images/generations/{id}', { params: { path: { id: '1' } } });
    await client.GET('/v1/images/generations/{id}', { params: { path: { id: '1' } } });
    expect(requests.map((request) => request.headers.get('authorization'))).toEqual([
      'Bearer server-minted-1',
      'Bearer server-minted-2',
      'Bearer server-minted-3',
    ]);
  });

  it('does not resend on other auth errors', async () => {
    const { fetch } = scriptedFetch({
      status: 401,
      body: { code: 1000, message: 'authentication failed', request_id: 'r' },
    });
    const client = createKlingClient({ ...credentials, fetch });
    await expect(client.GET('/v1/images/generations', {})).rejects.toMatchObject({ code: 1000 });
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe('the raw verbs', () => {
  it('reject a 2xx without an envelope, so that a resolved call always has its data', async () => {
    for (const body of ['', 'null', '"text"']) {
      const fetch = async () =>
        new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
      const client = createKlingClient({ ...credentials, fetch, maxRetries: 0 });
      await expect(client.GET('/v1/images/generations', {}), JSON.stringify(body)).rejects.toMatchObject({
        name: 'KlingApiError',
        httpStatus: 200,
        code: undefined,
      });
    }
  });
});

describe('the default fetch', () => {
  it('is the global fetch at the time of each request, not at client creation (MSW installs its own later)', async () => {
    // A real server the original global fetch would reach; the replacement must answer instead.
    let reached = 0;
    const server = createServer((_, response) => {
      reached++;
      response.writeHead(500).end();
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = createKlingClient({
      apiKey: 'k',
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      maxRetries: 0,
    });
    const replacement = vi.fn(async (_request: Request) => Response.json(ok(task).body));
    vi.stubGlobal('fetch', replacement);
    try {
      const { data } = await client.GET('/v1/images/generations/{id}', {
        params: { path: { id: task.task_id } },
      });
      expect(data.data?.task_id).toBe(task.task_id);
      expect(replacement).toHaveBeenCalledTimes(1);
      expect(reached).toBe(0);
    } finally {
      vi.unstubAllGlobals();
      server.close();
      await once(server, 'close');
    }
  });
});

describe('withOptions', () => {
  it('derives a client with other defaults that shares the token cache and the middleware', async () => {
    const sign = vi.spyOn(crypto.subtle, 'sign');
    const { fetch, requests } = scriptedFetch({
      status: 503,
      body: { code: 5001, message: 'down', request_id: 'r' },
    });
    const client = createKlingClient({ ...credentials, fetch, maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1 });
    const seen: string[] = [];
    client.use({ onRequest: ({ request }) => void seen.push(request.method) });
    const impatient = client.withOptions({ maxRetries: 0 });

    await expect(impatient.GET('/v1/images/generations', {})).rejects.toMatchObject({ code: 5001 });
    expect(requests).toHaveLength(1);
    // The parent keeps its own defaults.
    await expect(client.GET('/v1/images/generations', {})).rejects.toMatchObject({ code: 5001 });
    expect(requests).toHaveLength(4);
    // A per-call option still wins over the derived defaults.
    await expect(impatient.tasks.get('generations', '1', { maxRetries: 1 })).rejects.toMatchObject({
      code: 5001,
    });
    expect(requests).toHaveLength(6);
    // One token for both clients, and the middleware saw every request.
    expect(sign).toHaveBeenCalledTimes(1);
    expect(new Set(requests.map((request) => request.headers.get('authorization'))).size).toBe(1);
    expect(seen).toHaveLength(6);
    sign.mockRestore();
  });

  it('keeps the transport out of the client object: nothing to reach but the documented members', () => {
    const client = createKlingClient({ apiKey: 'k', fetch: async () => new Response('{}') });
    expect(Object.keys(client).sort()).toEqual([
      'GET',
      'POST',
      'eject',
      'tasks',
      'tokens',
      'use',
      'withOptions',
    ]);
    expect(Object.keys(client.withOptions({ timeoutMs: 1 })).sort()).toEqual(Object.keys(client).sort());
    expect('transport' in client).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
