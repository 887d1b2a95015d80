import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, maxHeaderSize, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createKlingClient } from '@klingkit/client';
import { conformingFetch, type Violation } from '@klingkit/spec/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockServer, type MockServer } from '../src/index.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function listening(
  options: Parameters<typeof createMockServer>[0] = {},
): Promise<{ mock: MockServer; url: string }> {
  const mock = createMockServer(options);
  const url = await mock.listen();
  cleanups.push(() => mock.close());
  return { mock, url };
}

/** Stops a test server and drops its open connections too: a kept-alive connection outlives close(). */
function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A loopback receiver for callbacks that answers with the given statuses in turn, then 200. */
async function receiver(statuses: number[] = []) {
  const bodies: unknown[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.on('data', (chunk) => {
      text += chunk;
    });
    request.on('end', () => {
      bodies.push(JSON.parse(text));
      response.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => stop(server));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

describe('over HTTP on 127.0.0.1', () => {
  it('serves the client end to end, with every response conforming to the spec', async () => {
    const { url } = await listening();
    const violations: Violation[] = [];
    const client = createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      baseUrl: url,
      fetch: conformingFetch((request) => fetch(request), violations),
    });
    const { images } = await client.tasks.generate(
      'omni',
      { prompt: 'lighthouse', n: 2 },
      { pollIntervalMs: 10 },
    );
    const png = await fetch(images[0]?.url as string);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(images[0]?.url.startsWith(url)).toBe(true);
    expect(await client.tasks.list('omni').page(1)).toHaveLength(1);
    expect(violations).toEqual([]);
  });

  it('answers CORS preflights for browsers', async () => {
    const { url } = await listening();
    const response = await fetch(`${url}/v1/images/generations`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('drops the connection with no answer when asked to', async () => {
    const { mock, url } = await listening({ faults: { dropRate: 1 } });
    const error = await fetch(`${url}/v1/images/generations`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    mock.configure({ faults: { dropRate: 0 } });
    expect((await fetch(`${url}/v1/images/generations`)).status).toBe(401);
  });

  it('refuses an oversized body over HTTP with a 413 envelope', async () => {
    const { url } = await listening({ maxBodyBytes: 2048 });
    const response = await fetch(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body: 'x'.repeat(100_000),
    });
    expect(response.status).toBe(401);
    const client = createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      baseUrl: url,
    });
    const error = await client
      .POST('/v1/images/generations', {
        body: { prompt: 'y'.repeat(2400), negative_prompt: 'z'.repeat(2400) },
      })
      .catch((e) => e);
    expect(error).toMatchObject({ httpStatus: 413, code: 1200 });
  });

  it('answers headers over the limit and broken request lines with an envelope, and keeps serving', async () => {
    const { url } = await listening();
    const { port } = new URL(url);
    const raw = async (request: string) => {
      const socket = connect(Number(port), '127.0.0.1');
      socket.end(request);
      let answer = '';
      for await (const chunk of socket) answer += chunk;
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      return {
        statusLine: head.split('\r\n')[0],
        body: JSON.parse(body) as { code: number; message: string },
      };
    };
    const huge = await raw(
      `GET /v1/images/generations HTTP/1.1\r\nhost: x\r\nx-big: ${'v'.repeat(20_000)}\r\n\r\n`,
    );
    expect(huge.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(huge.body).toMatchObject({
      code: 1200,
      message: `Unreadable request: request headers exceed ${maxHeaderSize} bytes`,
    });
    const garbage = await raw('\u0000\u0001 not http at all\r\n\r\n');
    expect(garbage.body).toMatchObject({
      code: 1200,
      message: expect.stringMatching(/^Unreadable request: not a valid HTTP\/1.1 request \(HPE_/),
    });
    expect((await fetch(`${url}/v1/images/generations`)).status).toBe(401);
  });
});

describe('callbacks', () => {
  it('POSTs the bare task object on every status change, retrying a failing receiver', async () => {
    const hook = await receiver([500]);
    const { mock, url } = await listening({ callbacks: { retryDelayMs: 5 } });
    const client = createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      baseUrl: url,
    });
    const created = await client.tasks.create('generations', { prompt: 'x', callback_url: hook.url });
    await client.tasks.wait('generations', created.task_id, { pollIntervalMs: 10 });
    await mock.callbacksIdle();
    const statuses = (hook.bodies as { task_status: string; code?: unknown }[]).map(
      (body) => body.task_status,
    );
    // The retried `submitted` may land after `processing`: deliveries are at-least-once and unordered.
    expect([...statuses].sort()).toEqual(['processing', 'submitted', 'submitted', 'succeed']);
    expect(hook.bodies.every((body) => (body as { code?: unknown }).code === undefined)).toBe(true);
    const deliveries = mock.callbacks();
    expect(deliveries[0]).toMatchObject({ ok: false, httpStatus: 500, attempt: 1 });
    expect(deliveries.filter((delivery) => delivery.ok)).toHaveLength(3);
  });

  it('refuses callback hosts that are not allowed at create, and never contacts them', async () => {
    const contacted: string[] = [];
    const mock = createMockServer({
      callbacks: {
        fetch: async (request) => {
          contacted.push(request.url);
          return new Response();
        },
      },
    });
    cleanups.push(() => mock.close());
    const client = createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      baseUrl: 'http://m',
      fetch: (r) => mock.fetch(r),
    });
    const error = await client.tasks
      .create('generations', { prompt: 'x', callback_url: 'https://hooks.example.org/kling' })
      .catch((e) => e);
    expect(error).toMatchObject({ code: 1201 });
    expect(error.apiMessage).toContain(
      'host hooks.example.org is not allowed by this mock server (allowed: 127.0.0.1, localhost, ::1, [::1])',
    );
    expect(contacted).toEqual([]);
    expect(mock.tasks()).toEqual([]);
  });
});

describe('callback safety', () => {
  it('never follows a redirect and never lets a slow receiver hold up requests', async () => {
    const target = await receiver();
    const slowBodies: unknown[] = [];
    const redirector = createServer((_request, response) => {
      response.writeHead(302, { location: target.url }).end();
    });
    const slow = createServer((request, response) => {
      request.resume();
      slowBodies.push(request.url);
      setTimeout(() => response.writeHead(200).end(), 2_000);
    });
    for (const server of [redirector, slow]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => stop(server));
    }
    const portOf = (server: Server) => (server.address() as AddressInfo).port;
    const { mock, url } = await listening({ callbacks: { attempts: 2, retryDelayMs: 5, timeoutMs: 200 } });
    const client = createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      baseUrl: url,
    });
    await client.tasks.create('generations', {
      prompt: 'r',
      callback_url: `http://127.0.0.1:${portOf(redirector)}/hook`,
    });
    const started = Date.now();
    await client.tasks.create('generations', {
      prompt: 's',
      callback_url: `http://127.0.0.1:${portOf(slow)}/hook`,
    });
    await client.GET('/v1/images/generations', {});
    expect(Date.now() - started).toBeLessThan(500);
    await mock.callbacksIdle();
    expect(target.bodies).toEqual([]);
    const deliveries = mock.callbacks();
    expect(
      deliveries
        .filter((d) => d.url.includes(String(portOf(redirector))))
        .every((d) => !d.ok && d.httpStatus === 302),
    ).toBe(true);
    const toSlow = deliveries.filter((d) => d.url.includes(String(portOf(slow))));
    expect(toSlow.length).toBeGreaterThan(0);
    const unexpected = toSlow.filter((d) => d.ok || !/abort|timeout/i.test(d.error ?? ''));
    expect(unexpected, JSON.stringify(unexpected)).toEqual([]);
    expect(Math.max(...toSlow.map((d) => d.attempt))).toBe(2);
  });
});

describe('callback timeouts', () => {
  it('abandons a silent receiver on time, even when garbage collection runs meanwhile', async () => {
    // Regression: the timeout was an AbortSignal.timeout(), which node holds weakly; after a collection
    // it could vanish with its timer, and a receiver that never answered held the delivery indefinitely.
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const silent = createServer((request) => request.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => stop(silent));
    const { mock, url } = await listening({ callbacks: { attempts: 1, timeoutMs: 300 } });
    const client = createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      baseUrl: url,
    });
    const started = Date.now();
    await client.tasks.create('generations', {
      prompt: 'silent',
      callback_url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`,
    });
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      collectGarbage();
    }
    await Promise.race([mock.callbacksIdle(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    expect(mock.stats().callbacks.inFlight, 'deliveries still waiting on the silent receiver').toBe(0);
    expect(Date.now() - started).toBeLessThan(2_000);
    const deliveries = mock.callbacks();
    expect(deliveries.length).toBeGreaterThan(0);
    for (const delivery of deliveries) {
      expect(delivery).toMatchObject({ ok: false, error: 'Callback timeout: no answer within 300 ms' });
    }
  });
});

describe('kling-mock CLI', () => {
  it('starts, prints its URL and the demo account, serves, and stops cleanly on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, '--port', '0', '--concurrency', '5', '--max-tasks', '3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const started = Date.now();
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match && output.includes('Demo account')) resolve(match[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(output).toContain('access key demo-access-key, secret key demo-secret-key');
    const client = createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      baseUrl: url,
    });
    await expect(
      client.tasks.create('generations', { prompt: 'x', n: 6 }, { maxRetries: 0 }),
    ).rejects.toMatchObject({ code: 1303 });
    expect(await (await fetch(`${url}/__mock/stats`)).json()).toMatchObject({
      tasks: { stored: 0, limit: 3 },
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('finishes in-flight requests on SIGTERM, then exits 0', async () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1] as string);
      });
    });
    const configured = await fetch(`${url}/__mock/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults: { latencyMs: 300 } }),
    });
    expect(configured.status).toBe(200);
    const client = createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      baseUrl: url,
      maxRetries: 0,
    });
    const inFlight = Array.from({ length: 20 }, () => client.GET('/v1/images/generations', {}));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const results = await Promise.allSettled(inFlight);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(20);
    expect(await exit).toBe(0);
  });

  it('explains bad flags and exits 2', async () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, '--account', 'no-colon'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(2);
    expect(stderr).toContain('--account must be ACCESS_KEY:SECRET_KEY; got "no-colon"');
  });
});
