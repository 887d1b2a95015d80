/**
 * The failure path (src/core/failure.ts) is loaded on the first failed attempt, a chunk of its own in a
 * browser. When it cannot load (a page on a flaky network), a call must still fail with what it failed with:
 * the answer's KlingApiError as it was, or a KlingConnectionError that keeps fetch's error as its cause, never
 * the loader's error; and nothing is resent, since the retry decision is in the chunk that did not load.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KlingApiError, KlingConnectionError } from '../src/core/errors.js';
import { createKlingClient } from '../src/kling-client.js';
import { listen, stop } from './loopback.js';

vi.mock('../src/core/failure.js', () => {
  throw new Error('chunk failed to load');
});

const TASK = '867283741759111202';

let limited: Server;
let limitedPort: number;
let limitedRequests = 0;
let closedPort: number;
beforeAll(async () => {
  // A port that was just free: nothing listens there any more.
  const closed = createServer();
  closedPort = await listen(closed);
  await stop(closed);
  // Answers every request "too many at once": retryable, even for a create.
  limited = createServer((_, response) => {
    limitedRequests++;
    response.writeHead(429, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({ code: 1303, message: 'parallel task over resource pack limit', request_id: 'r-1' }),
    );
  });
  limitedPort = await listen(limited);
});
afterAll(async () => {
  await stop(limited);
});

async function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => expect.unreachable('the call resolved'),
    (caught: unknown) => caught,
  );
}

describe('a failure path that cannot load', () => {
  it('rejects with a KlingConnectionError naming the method, with fetch’s error as its cause', async () => {
    const kling = createKlingClient({ apiKey: 'ak-1', baseUrl: `http://127.0.0.1:${closedPort}` });
    const error = await rejection(kling.tasks.get('generations', TASK));
    expect(error).toBeInstanceOf(KlingConnectionError);
    expect(error).toMatchObject({ message: 'GET request failed', method: 'GET', timedOut: false });
    const cause = (error as KlingConnectionError).cause;
    // fetch's own error (undici's "fetch failed" over ECONNREFUSED), not the loader's.
    expect(cause).toBeInstanceOf(TypeError);
    expect(String((cause as Error).cause)).toContain('ECONNREFUSED');
    expect(JSON.stringify(error)).not.toContain('chunk failed to load');
  });

  it('rejects with the answer’s KlingApiError as it was, and sends nothing again', async () => {
    const kling = createKlingClient({ apiKey: 'ak-1', baseUrl: `http://127.0.0.1:${limitedPort}` });
    limitedRequests = 0;
    const error = await rejection(kling.tasks.get('generations', TASK));
    expect(error).toBeInstanceOf(KlingApiError);
    expect(error).toMatchObject({ code: 1303, httpStatus: 429, category: 'rate_limit', requestId: 'r-1' });
    expect(limitedRequests).toBe(1);
  });

  it('keeps a timeout a timeout', async () => {
    const silent = createServer(() => {}); // reads the request, never answers
    const port = await listen(silent);
    try {
      const kling = createKlingClient({ apiKey: 'ak-1', baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 50 });
      const error = await rejection(kling.tasks.get('generations', TASK));
      expect(error).toBeInstanceOf(KlingConnectionError);
      expect(error).toMatchObject({ message: 'GET request failed', timedOut: true, method: 'GET' });
      expect(String((error as Error).cause)).toContain('no answer within 50 ms');
    } finally {
      await stop(silent);
    }
  });

  it('fails concurrent calls each with its own error', async () => {
    const kling = createKlingClient({ apiKey: 'ak-1', baseUrl: `http://127.0.0.1:${closedPort}` });
    const errors = await Promise.all([
      rejection(kling.tasks.get('generations', TASK)),
      rejection(kling.POST('/v1/images/generations', { body: { prompt: 'a cat' } })),
    ]);
    expect(errors.map((error) => (error as KlingConnectionError).message)).toEqual([
      'GET request failed',
      'POST request failed',
    ]);
    expect(errors[0]).not.toBe(errors[1]);
  });
});
