import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKlingClient, KLING_SERVERS } from '@klingkit/client';
import { downloadImages } from '@klingkit/client/node';
import { imageSize } from 'image-size';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { klingHandlers } from '../src/adapters/msw.js';
import { DEMO_ACCOUNT } from '../src/auth/authenticator.js';
import { createMockServer } from '../src/mock-server.js';

const API = KLING_SERVERS.singapore;
const LOCAL_API = 'http://localhost:4010';
const mock = createMockServer();
const local = createMockServer({ apiKeys: ['local-key-0123456789'] });
/** Requests no Kling handler took: answered here with a network error, so none can leave the machine. */
const unhandled: string[] = [];
// Made at import time, before server.listen() patches fetch: the client looks the global fetch up at each
// request, so MSW answers it all the same.
const early = createKlingClient({ apiKey: 'local-key-0123456789', baseUrl: LOCAL_API, maxRetries: 0 });
const server = setupServer(
  ...klingHandlers(mock),
  ...klingHandlers(local, { baseUrl: LOCAL_API }),
  http.all('*', ({ request }) => {
    unhandled.push(`${request.method} ${request.url}`);
    return HttpResponse.error();
  }),
);
let dir: string;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  dir = await mkdtemp(join(tmpdir(), 'kling-msw-'));
});
afterEach(() => {
  mock.reset();
  local.reset();
  mock.configure({ faults: { dropRate: null } });
  unhandled.length = 0;
});
afterAll(async () => {
  server.close();
  await Promise.all([mock.close(), local.close()]);
  await rm(dir, { recursive: true, force: true });
});

const client = () => createKlingClient({ ...DEMO_ACCOUNT, maxRetries: 0 });

describe('klingHandlers with msw/node setupServer', () => {
  it('answers a client made before server.listen(), at import time', async () => {
    const created = await early.tasks.create('generations', { prompt: 'made early' });
    expect(local.tasks().map((task) => task.task.task_id)).toEqual([created.task_id]);
    expect(unhandled).toEqual([]);
  });

  it('answers the real API host from the mock: generate and download with the global fetch', async () => {
    const { task, images } = await client().tasks.generate(
      'generations',
      { prompt: 'a kite over dunes', n: 2 },
      { pollIntervalMs: 10 },
    );
    expect(images).toHaveLength(2);
    // Result URLs are built on the origin the request came in on: the API host, routed by the handlers too.
    for (const image of images) expect(image.url?.startsWith(`${API}/__mock/images/`)).toBe(true);

    const files = await downloadImages(task, dir);
    expect(files).toHaveLength(2);
    for (const file of files) {
      const bytes = await readFile(file.path);
      expect(imageSize(bytes)).toMatchObject({ type: 'png', width: expect.any(Number) });
      expect(bytes.byteLength).toBe(file.bytes);
    }
    expect(mock.tasks()).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });

  it('passes the mock’s refusals through with status, headers and body', async () => {
    mock.injectError(1303);
    const answer = await fetch(`${API}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x' }),
    });
    expect(answer.status).toBe(429);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(await answer.json()).toMatchObject({ code: 1303 });

    // A malformed escape reaches the mock (no handler decodes it first) and is the platform's 400 / 1200.
    const malformed = await fetch(`${API}/v1/images/generations/%ZZ`);
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 1200 });
  });

  it('turns a connection the mock drops into a network error, as a real fetch sees it', async () => {
    mock.configure({ faults: { dropRate: 1 } });
    await expect(fetch(`${API}/v1/images/generations`)).rejects.toThrow(TypeError);
  });

  it('routes another base URL to its own mock, and only that origin', async () => {
    const answer = await fetch(`${LOCAL_API}/v1/images/generations`, {
      headers: { authorization: 'Bearer local-key-0123456789' },
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ code: 0, data: [] });
    // Same path on another port or scheme: no handler of the mock takes it.
    await expect(fetch('http://localhost:4011/v1/images/generations')).rejects.toThrow();
    await expect(fetch('https://localhost:4010/v1/images/generations')).rejects.toThrow();
    expect(unhandled).toEqual([
      'GET http://localhost:4011/v1/images/generations',
      'GET https://localhost:4010/v1/images/generations',
    ]);
  });

  it('never hands a control request to the mock', async () => {
    await client().tasks.create('generations', { prompt: 'kept' });
    const controls = [
      `${API}/__mock/tasks`,
      `${API}/__mock/config`,
      `${API}/__mock/stats`,
      `${API}/__mock/images/../tasks`,
      `${API}/__mock/images/%2e%2e/tasks`,
      `${API}/v1/../__mock/tasks`,
    ];
    for (const url of controls) await expect(fetch(url)).rejects.toThrow();
    const posts = ['reset', 'clock', 'expire-tokens', 'fail-next', 'inject-error', 'config'];
    for (const name of posts) {
      await expect(
        fetch(`${API}/__mock/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ advanceMs: 31 * 24 * 3600 * 1000, count: 5, code: 1102 }),
        }),
      ).rejects.toThrow();
    }
    // Each went to the catch-all instead (dot segments resolved by fetch, as a browser does).
    expect(unhandled).toHaveLength(controls.length + posts.length);
    const paths = unhandled.map((line) => new URL(line.split(' ')[1] as string).pathname);
    expect(paths.every((path) => path.startsWith('/__mock/') && !path.startsWith('/__mock/images/'))).toBe(
      true,
    );
    // And the mock is as it was: no reset, no clock jump, no failure or error queued for the next task.
    const after = await client().tasks.generate('generations', { prompt: 'after' }, { pollIntervalMs: 10 });
    expect(after.task.task_status).toBe('succeed');
    expect(mock.tasks().map(({ task }) => task.task_status)).toEqual(['succeed', 'succeed']);
    expect(Math.abs(mock.now() - Date.now())).toBeLessThan(24 * 3600 * 1000);
  });

  it('refuses a base URL it could not serve, naming the option', () => {
    for (const baseUrl of [
      'http://localhost:4010/kling',
      'ftp://localhost',
      'localhost:4010',
      'http://user:pw@localhost',
      'http://localhost/?x=1',
    ]) {
      expect(() => klingHandlers(mock, { baseUrl })).toThrow(/^baseUrl must be an http\(s\) origin/);
    }
    expect(klingHandlers(mock, { baseUrl: 'HTTP://LocalHost:4010/' })).toHaveLength(2);
  });
});
