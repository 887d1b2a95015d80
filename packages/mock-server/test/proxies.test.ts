import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKlingClient } from '@klingkit/client';
import { downloadImages } from '@klingkit/client/node';
import { describe, expect, it } from 'vitest';
import { createMockServer, type MockServer, type MockServerOptions } from '../src/index.js';
import { cleanupsAfterEach } from './fixtures/cleanups.js';
import { listenOnLoopback, send } from './fixtures/loopback-http.js';

/**
 * Result URLs behind a proxy: they follow the Forwarded / X-Forwarded-* headers of the request that reads
 * them, in that answer only; `publicUrl` wins; hostile values are ignored; and nothing else (the controls'
 * Host and Origin checks, the callback self-target check, stored tasks) ever reads those headers.
 */

const API_KEY = 'apikey-proxied-0123456789';
const cleanups = cleanupsAfterEach();

async function listening(options: MockServerOptions = {}): Promise<{ mock: MockServer; url: string }> {
  const mock = createMockServer({ apiKeys: [API_KEY], ...options });
  const url = await mock.listen();
  cleanups.push(() => mock.close());
  return { mock, url };
}

/** A request of the API key over a fresh connection with exactly these headers (fetch would not let `host` be set). */
const get = (url: string, headers: Record<string, string> = {}) =>
  send(url, { headers: { authorization: `Bearer ${API_KEY}`, ...headers } });

/** The result URLs of the one succeeded task, as a query with `headers` gets them. */
async function urlsOf(base: string, taskId: string, headers: Record<string, string> = {}) {
  const { body } = await get(`${base}/v1/images/generations/${taskId}`, headers);
  const task = (
    JSON.parse(body) as { data: { task_result: { images: { url: string; watermark_url?: string }[] } } }
  ).data;
  return task.task_result.images.flatMap((image) => [
    image.url,
    ...(image.watermark_url ? [image.watermark_url] : []),
  ]);
}

/** A task created through the API (with the real Host) and run to its end on the mock clock. */
async function succeededTask(mock: MockServer, url: string): Promise<string> {
  const created = await fetch(`${url}/v1/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'proxied', n: 2, watermark_info: { enabled: true } }),
  });
  const { data } = (await created.json()) as { data: { task_id: string } };
  mock.advanceClock(60_000);
  return data.task_id;
}

describe('result URLs behind a proxy', () => {
  it('follow X-Forwarded-* and Forwarded in the answer to the request that carries them, and only there', async () => {
    const { mock, url } = await listening();
    const taskId = await succeededTask(mock, url);
    const own = (await urlsOf(url, taskId))[0] as string;
    expect(own.startsWith(`${url}/__mock/images/`)).toBe(true);

    const viaProxy = await urlsOf(url, taskId, {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'kling.example.com',
    });
    expect(viaProxy).toHaveLength(4);
    for (const link of viaProxy)
      expect(link).toMatch(/^https:\/\/kling\.example\.com\/__mock\/images\/\d+\/\d(-watermark)?\.png$/);
    // The next answer, without the headers, is back on the request's own origin; so are stored tasks.
    expect((await urlsOf(url, taskId))[0]).toBe(own);
    expect(JSON.stringify(mock.tasks())).not.toContain('kling.example.com');

    const forwarded = {
      forwarded: 'for=192.0.2.60;proto=https;host="kling.example.com:8443", for=10.0.0.1;proto=http',
    };
    expect((await urlsOf(url, taskId, forwarded))[0]).toBe(
      own.replace(url, 'https://kling.example.com:8443'),
    );
    const { body } = await get(`${url}/v1/images/generations`, forwarded);
    expect(body).toContain('"url":"https://kling.example.com:8443/__mock/images/');
    expect(body).not.toContain(url);
    expect((await urlsOf(url, taskId, { 'x-forwarded-proto': 'https' }))[0]).toBe(
      own.replace('http://', 'https://'),
    );
  });

  it('ignore hostile forwarding values, keeping the request origin', async () => {
    const { mock, url } = await listening();
    const taskId = await succeededTask(mock, url);
    const own = await urlsOf(url, taskId);
    // The same claims, well formed, are taken...
    expect(
      (
        await urlsOf(url, taskId, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'kling.example.com' })
      )[0],
    ).toMatch(/^https:\/\/kling\.example\.com\/__mock\/images\//);
    // ...but not one a proxy would never send, which could reshape the URL.
    for (const headers of [
      { 'x-forwarded-host': 'evil.example/x?y=' },
      { 'x-forwarded-host': 'user@evil.example' },
      { 'x-forwarded-host': 'evil.example#' },
      { 'x-forwarded-host': `${'a'.repeat(300)}.example` },
      { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'kling.example.com' },
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example:99999' },
      { forwarded: 'proto=https;host="evil.example/\\"x"' },
      { forwarded: 'proto=data' },
    ] as Record<string, string>[]) {
      expect(await urlsOf(url, taskId, headers), JSON.stringify(headers)).toEqual(own);
    }
    // A Host header that is no host[:port] is not used either (the listen URL is).
    expect(await urlsOf(url, taskId, { host: 'evil.example/x' })).toEqual(own);
  });

  it('give way to publicUrl, which wins over every forwarding header', async () => {
    const { mock, url } = await listening({ publicUrl: 'https://Public.Example/kling/' });
    const taskId = await succeededTask(mock, url);
    for (const headers of [
      {},
      { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'kling.example.com' },
      { forwarded: 'host=other.example' },
    ] as Record<string, string>[]) {
      const [first] = await urlsOf(url, taskId, headers);
      expect(first).toMatch(/^https:\/\/public\.example\/kling\/__mock\/images\/\d+\/0\.png$/);
    }
    expect(() => createMockServer({ publicUrl: 'https://public.example/?q=' })).toThrow(
      'publicUrl must be an http(s) URL with no user name, password, query or fragment',
    );
    expect(() => createMockServer({ publicUrl: 'https://user:pw@public.example/' })).toThrow(RangeError);
  });

  it('never let the forwarding headers past the controls or the callback self-target check', async () => {
    const { mock, url } = await listening();
    const taskId = await succeededTask(mock, url);
    const { port } = new URL(url);
    const claim = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'kling.example.com' };
    // The API answer follows the claim...
    expect((await urlsOf(url, taskId, claim))[0]).toMatch(/^https:\/\/kling\.example\.com\//);
    // ...but a page on the claimed origin is not the mock's own origin for the controls,
    expect((await get(`${url}/__mock/stats`, { ...claim, origin: 'https://kling.example.com' })).status).toBe(
      403,
    );
    // and a rebinding Host is not made good by a forwarded one naming the mock.
    const rebound = await get(`${url}/__mock/stats`, {
      host: `evil.example:${port}`,
      'x-forwarded-host': `127.0.0.1:${port}`,
      forwarded: `host="127.0.0.1:${port}"`,
    });
    expect(rebound.status).toBe(403);
    expect((await get(`${url}/__mock/stats`, claim)).status).toBe(200);

    // The callback self-target check compares with the real origin: a forwarded host naming a receiver
    // does not make it the mock, and one naming elsewhere does not let a callback at the mock through.
    const bodies: string[] = [];
    const receiver: Server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk) => {
        text += chunk;
      });
      request.on('end', () => {
        bodies.push(text);
        response.writeHead(200).end();
      });
    });
    const hook = `http://127.0.0.1:${await listenOnLoopback(receiver, cleanups)}/hook`;
    const create = (callbackUrl: string, headers: Record<string, string>) =>
      fetch(`${url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ prompt: 'hook', callback_url: callbackUrl }),
      }).then((response) => response.json() as Promise<{ code: number; message: string }>);
    const toReceiver = await create(hook, { 'x-forwarded-host': new URL(hook).host });
    expect(toReceiver.code).toBe(0);
    const toMock = await create(`${url}/hook`, {
      'x-forwarded-host': 'kling.example.com',
      'x-forwarded-proto': 'https',
    });
    expect(toMock).toMatchObject({
      code: 1201,
      message: expect.stringContaining('points at this mock server itself'),
    });
    // Callback bodies carry the task as stored: result URLs on the real origin, whatever the create said.
    mock.advanceClock(60_000);
    await mock.callbacksIdle();
    const ended = bodies.map((text) => JSON.parse(text)).find((task) => task.task_status === 'succeed');
    expect(ended.task_result.images[0].url.startsWith(`${url}/__mock/images/`)).toBe(true);
  });

  it('lets a client that insists on https download results through a TLS-terminating proxy', async () => {
    const { url } = await listening();
    const upstream = new URL(url);
    const seen: string[] = [];
    // The proxy: answers https://kling.proxy.example only, and passes requests on in plain http with the
    // headers a TLS-terminating proxy adds.
    const proxy = async (request: Request): Promise<Response> => {
      const target = new URL(request.url);
      seen.push(request.url);
      if (target.protocol !== 'https:') throw new TypeError(`refused: ${request.url} is not https`);
      const headers = new Headers(request.headers);
      headers.set('x-forwarded-proto', 'https');
      headers.set('x-forwarded-host', target.host);
      target.protocol = upstream.protocol;
      target.host = upstream.host;
      const body = request.method === 'GET' ? undefined : await request.arrayBuffer();
      return fetch(target, {
        method: request.method,
        headers,
        ...(body !== undefined && { body }),
        redirect: 'manual',
      });
    };
    const kling = createKlingClient({
      apiKey: API_KEY,
      baseUrl: 'https://kling.proxy.example',
      fetch: proxy,
    });
    const { task, images } = await kling.tasks.generate(
      'generations',
      { prompt: 'behind tls', n: 2 },
      { pollIntervalMs: 10 },
    );
    expect(images.map((image) => image.url)).toEqual([
      `https://kling.proxy.example/__mock/images/${task.task_id}/0.png`,
      `https://kling.proxy.example/__mock/images/${task.task_id}/1.png`,
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'kling-proxied-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const files = await downloadImages(task, dir, { fetch: proxy });
    expect(files).toHaveLength(2);
    const png = await readFile(files[0]?.path as string);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(seen.every((address) => address.startsWith('https://kling.proxy.example/'))).toBe(true);
  });
});
