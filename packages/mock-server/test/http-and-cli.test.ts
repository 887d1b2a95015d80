import { spawn } from 'node:child_process';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  maxHeaderSize,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createKlingClient } from '@klingkit/client';
import { conformingFetch, type Violation } from '@klingkit/spec/conformance';
import { describe, expect, it } from 'vitest';
import { createMockServer, type MockServer } from '../src/index.js';
import { cleanupsAfterEach } from './fixtures/cleanups.js';
import { CLI } from './fixtures/kling-mock-cli.js';
import { listenOnLoopback } from './fixtures/loopback-http.js';
import { within } from './fixtures/safety-net.js';

const cleanups = cleanupsAfterEach();

async function listening(
  options: Parameters<typeof createMockServer>[0] = {},
): Promise<{ mock: MockServer; url: string }> {
  const mock = createMockServer(options);
  const url = await mock.listen();
  cleanups.push(() => mock.close());
  return { mock, url };
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
  return { url: `http://127.0.0.1:${await listenOnLoopback(server, cleanups)}/hook`, bodies };
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
    const redirector = createServer((_request, response) => {
      response.writeHead(302, { location: target.url }).end();
    });
    // The slow receiver answers nothing until the test lets go; then it drops each connection unanswered.
    const held: ServerResponse[] = [];
    let letGo = false;
    let reached: () => void = () => {};
    const reachedSlow = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const slow = createServer((request, response) => {
      request.resume();
      if (letGo) response.destroy();
      else held.push(response);
      reached();
    });
    for (const server of [redirector, slow]) await listenOnLoopback(server, cleanups);
    const portOf = (server: Server) => (server.address() as AddressInfo).port;
    const toSlow = () => mock.callbacks().filter((d) => d.url.includes(String(portOf(slow))));
    // The mock's own timeout is out of reach here: only the receiver ends a delivery.
    const { mock, url } = await listening({
      callbacks: { attempts: 2, retryDelayMs: 5, timeoutMs: 600_000 },
    });
    const client = createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      baseUrl: url,
    });
    await client.tasks.create('generations', {
      prompt: 'r',
      callback_url: `http://127.0.0.1:${portOf(redirector)}/hook`,
    });
    const created = client.tasks.create('generations', {
      prompt: 's',
      callback_url: `http://127.0.0.1:${portOf(slow)}/hook`,
    });
    await reachedSlow;
    // A delivery is waiting on the slow receiver, and will until the test lets go: the create and a list
    // answer all the same (a mock that waited for the delivery would answer neither; the net catches it).
    await within(10_000, 'the create while a delivery waits', created);
    await within(10_000, 'a list while a delivery waits', client.GET('/v1/images/generations', {}));
    expect(held.length).toBeGreaterThan(0);
    expect(toSlow(), 'no delivery to the slow receiver ended before the answers').toEqual([]);
    expect(mock.stats().callbacks.inFlight).toBeGreaterThan(0);

    letGo = true;
    for (const response of held.splice(0)) response.destroy();
    await mock.callbacksIdle();
    expect(target.bodies).toEqual([]);
    expect(
      mock
        .callbacks()
        .filter((d) => d.url.includes(String(portOf(redirector))))
        .every((d) => !d.ok && d.httpStatus === 302),
    ).toBe(true);
    expect(toSlow().length).toBeGreaterThan(0);
    expect(toSlow().filter((d) => d.ok)).toEqual([]);
    // A failed delivery is tried again, up to `attempts`.
    expect(Math.max(...toSlow().map((d) => d.attempt))).toBe(2);
  });
});

describe('callback timeouts', () => {
  it('abandons a silent receiver on time, even when garbage collection runs meanwhile', async () => {
    // Regression: the timeout was an AbortSignal.timeout(), which node holds weakly; after a collection
    // it could vanish with its timer, and a receiver that never answered held the delivery indefinitely.
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    let reached: () => void = () => {};
    const reachedSilent = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const silent = createServer((request) => {
      request.resume();
      reached();
    });
    const silentPort = await listenOnLoopback(silent, cleanups);
    const { mock, url } = await listening({ callbacks: { attempts: 1, timeoutMs: 300 } });
    const client = createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      baseUrl: url,
    });
    await client.tasks.create('generations', {
      prompt: 'silent',
      callback_url: `http://127.0.0.1:${silentPort}/hook`,
    });
    // Collections while a delivery waits on the silent receiver, each on a later turn of the event loop.
    await reachedSilent;
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
    }
    // Without its timer the delivery would wait forever: a safety net, far past the 300 ms, fails it then.
    await within(30_000, 'the deliveries to the silent receiver to end', mock.callbacksIdle());
    expect(mock.stats().callbacks.inFlight, 'deliveries still waiting on the silent receiver').toBe(0);
    const deliveries = mock.callbacks();
    expect(deliveries.length).toBeGreaterThan(0);
    for (const delivery of deliveries) {
      expect(delivery).toMatchObject({ ok: false, error: 'Callback timeout: no answer within 300 ms' });
    }
  });
});

describe('kling-mock CLI', () => {
  it('starts, prints its URL and the demo account, serves, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--concurrency', '5', '--max-tasks', '3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match && output.includes('Demo account')) resolve(match[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
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
    const apiKey = 'apikey-sigterm-0123456789abcdef';
    const child = spawn(process.execPath, [CLI, '--port', '0', '--api-key', apiKey], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1] as string);
      });
    });
    // Each API request waits 2 s in the mock, so SIGTERM finds them all in flight.
    const configured = await fetch(`${url}/__mock/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults: { latencyMs: 2000 } }),
    });
    expect(configured.status).toBe(200);
    let signalled = false;
    let answeredBeforeSignal = 0;
    const requests = Array.from({ length: 20 }, () => {
      const request = httpRequest(`${url}/v1/images/generations`, {
        headers: { authorization: `Bearer ${apiKey}` },
        agent: false,
      });
      const written = new Promise<void>((resolve) => request.once('finish', resolve));
      const status = new Promise<number>((resolve, reject) => {
        request.once('response', (response) => {
          if (!signalled) answeredBeforeSignal++;
          response.resume();
          response.once('end', () => resolve(response.statusCode ?? 0));
        });
        request.once('error', reject);
      });
      request.end();
      return { written, status };
    });
    // Every request is on the wire. A control answers at once (controls skip the latency), and the mock reads
    // the sockets of earlier connections no later than the control's own, a new one: once it answers, all 20
    // are inside.
    await Promise.all(requests.map(({ written }) => written));
    const control = await new Promise<number>((resolve, reject) => {
      httpRequest(`${url}/__mock/stats`, { agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .once('error', reject)
        .end();
    });
    expect(control).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    signalled = child.kill('SIGTERM');
    expect(await Promise.all(requests.map(({ status }) => status))).toEqual(Array(20).fill(200));
    expect(answeredBeforeSignal, 'requests answered before SIGTERM: they were not in flight').toBe(0);
    expect(await exit).toBe(0);
  });

  it('explains bad flags and exits 2', async () => {
    const child = spawn(process.execPath, [CLI, '--account', 'no-colon'], {
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
