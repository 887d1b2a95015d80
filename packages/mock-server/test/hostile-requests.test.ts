import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMockServer, type MockServer, type MockServerOptions } from '../src/index.js';
import { cleanupsAfterEach } from './fixtures/cleanups.js';
import { listenOnLoopback, send, stopServer } from './fixtures/loopback-http.js';
import { within } from './fixtures/safety-net.js';

/**
 * Hostile requests against the mock, over real HTTP on 127.0.0.1 (raw sockets where fetch would repair or
 * refuse the request) and through the in-process door. After every attack the mock must still answer a
 * valid request.
 */

const TENANT_A = 'tenant-a-key';
const TENANT_B = 'tenant-b-key';
const IN_PROCESS = 'http://kling.mock';

const cleanups = cleanupsAfterEach();

function mockOf(options: MockServerOptions = {}): MockServer {
  const mock = createMockServer({ apiKeys: [TENANT_A, TENANT_B], ...options });
  cleanups.push(() => mock.close());
  return mock;
}

async function listening(options: MockServerOptions = {}, listen: Parameters<MockServer['listen']>[0] = {}) {
  const mock = mockOf(options);
  const url = await mock.listen(listen);
  return { mock, url, port: Number(new URL(url).port) };
}

/** The mock still serves: a valid list request answers 200, over HTTP or in process. */
async function expectServing(target: string | MockServer, key = TENANT_A): Promise<void> {
  const init = { headers: { authorization: `Bearer ${key}` } };
  const answer =
    typeof target === 'string'
      ? fetch(`${target}/v1/images/generations`, init)
      : target.fetch(new Request(`${IN_PROCESS}/v1/images/generations`, init));
  expect((await within(10_000, 'a valid request after the attack', answer)).status).toBe(200);
}

type Envelope = { code: number; message: string };

function create(
  target: string | MockServer,
  body: Record<string, unknown>,
  key = TENANT_A,
  path = '/v1/images/generations',
) {
  const init = {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
  return typeof target === 'string'
    ? fetch(`${target}${path}`, init)
    : target.fetch(new Request(`${IN_PROCESS}${path}`, init));
}

/** Tenant B's create with `callback_url` must be refused as a bad parameter (400 / 1201); its message. */
async function refusedCallback(target: string | MockServer, callback_url: string): Promise<string> {
  const response = await create(target, { prompt: 'tenant B', callback_url }, TENANT_B);
  const body = (await response.json()) as Envelope;
  expect({ callback_url, status: response.status, code: body.code }).toEqual({
    callback_url,
    status: 400,
    code: 1201,
  });
  return body.message;
}

/** Sends `text` on a raw socket and collects everything until the server closes (or the safety net). */
async function rawExchange(port: number, text: string): Promise<{ statusLine: string; body: string }> {
  const socket = connect(port, '127.0.0.1');
  socket.end(text);
  let answer = '';
  await within(
    5000,
    'the raw answer',
    (async () => {
      for await (const chunk of socket) answer += chunk;
    })(),
  ).finally(() => socket.destroy());
  const at = answer.indexOf('\r\n\r\n');
  return { statusLine: answer.slice(0, answer.indexOf('\r\n')), body: answer.slice(at + 4) };
}

/** A callback receiver on 127.0.0.1 that counts what reaches it and can hold its answers. */
async function receiver(options: { hold?: boolean } = {}) {
  const received: string[] = [];
  const held: (() => void)[] = [];
  let open = 0;
  let maxOpen = 0;
  const server = createServer((request: IncomingMessage, response) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    request.resume();
    request.on('end', () => {
      received.push(request.url ?? '');
      const answer = () => {
        open--;
        response.writeHead(200).end();
      };
      if (options.hold) held.push(answer);
      else answer();
    });
  });
  const port = await listenOnLoopback(server, cleanups);
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    get open() {
      return open;
    },
    get maxOpen() {
      return maxOpen;
    },
    release() {
      options.hold = false;
      for (const answer of held.splice(0)) answer();
    },
  };
}

async function until(what: string, condition: () => boolean): Promise<void> {
  await within(
    5000,
    what,
    (async () => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
    })(),
  );
}

/** Tasks stay `submitted` until the mock clock is advanced: nothing changes behind the test's back. */
const FROZEN = { timings: { processingAfterMs: 3_600_000, processingMs: 1, perImageMs: 0 } };

describe('callbacks never reach the mock itself', () => {
  it('refuses, at create, every spelling of the listening mock and any /__mock/ path, so tenant B cannot reset tenant A', async () => {
    const hook = await receiver();
    const { mock, url, port } = await listening();
    const mine = (await (await create(url, { prompt: 'tenant A' })).json()) as {
      data: { task_id: string };
    };
    const targets = [
      `http://127.0.0.1:${port}/__mock/reset`,
      `http://127.0.0.1:${port}/v1/images/generations`,
      `http://localhost:${port}/hook`,
      `http://LOCALHOST.:${port}/hook`,
      `http://[::1]:${port}/hook`,
      `http://[0:0:0:0:0:0:0:1]:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/hook`,
      `http://127.9.8.7:${port}/hook`,
      `http://0.0.0.0:${port}/hook`,
      `http://0:${port}/hook`,
      `http://2130706433:${port}/hook`,
      `http://0x7f000001:${port}/hook`,
      `http://0177.0.0.1:${port}/hook`,
      `http://127.1:${port}/hook`,
      `http://127.0.0.1.:${port}/hook`,
      `http://tenant.localhost:${port}/hook`,
      // Another port, or a name the mock cannot know, may still lead to a mock: its controls never.
      `http://127.0.0.1:${hook.port}/__mock/reset`,
      `http://127.0.0.1:${hook.port}/__MOCK/config`,
      `http://127.0.0.1:${hook.port}/%5F%5Fmock/reset`,
      `http://127.0.0.1:${hook.port}/x/../__mock/reset`,
    ];
    for (const callback_url of targets) {
      expect(await refusedCallback(url, callback_url)).toMatch(
        /^Invalid parameter callback_url: (points at this mock server itself|must not point at the mock's own routes under \/__mock\/)/,
      );
    }
    await mock.callbacksIdle();
    expect(mock.tasks().map((task) => task.task.task_id)).toEqual([mine.data.task_id]);
    expect(hook.received).toEqual([]);
    await expectServing(url);
  });

  it('refuses the in-process origin the create came in on, and its controls', async () => {
    // A test that routes callbacks back into the mock (or a DNS name that leads to it) must not let one
    // tenant drive the controls: on main this reset tenant A's store.
    let mock: MockServer | undefined;
    mock = mockOf({
      callbacks: {
        allowedHosts: ['kling.mock'],
        fetch: (request) => (mock as MockServer).fetch(request),
      },
    });
    await create(mock, { prompt: 'tenant A' });
    for (const callback_url of [
      `${IN_PROCESS}/__mock/reset`,
      `${IN_PROCESS}/hook`,
      'http://KLING.mock.:80/v1/images/generations',
    ]) {
      expect(await refusedCallback(mock, callback_url)).toContain('Invalid parameter callback_url:');
    }
    mock.advanceClock(60_000);
    await mock.callbacksIdle();
    expect(mock.tasks()).toHaveLength(1);
    expect(mock.callbacks()).toEqual([]);
    await expectServing(mock);
  });

  it('checks again before sending: a task created before the mock listened never calls its new port', async () => {
    // A free port, then given up, for the mock to take later.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await stopServer(probe);
    const mock = mockOf({ ...FROZEN, callbacks: { attempts: 1 } });
    const response = await create(mock, { prompt: 'early', callback_url: `http://127.0.0.1:${port}/hook` });
    expect(response.status).toBe(200);
    await mock.callbacksIdle();
    const url = await mock.listen({ port });
    mock.advanceClock(3_600_000);
    await mock.callbacksIdle();
    const later = mock.callbacks().filter((delivery) => delivery.taskStatus !== 'submitted');
    expect(later.map(({ taskStatus, dropped }) => ({ taskStatus, dropped }))).toEqual([
      { taskStatus: 'processing', dropped: true },
      { taskStatus: 'succeed', dropped: true },
    ]);
    for (const delivery of later) {
      expect(delivery.error).toMatch(/^refused: callback_url points at this mock server itself/);
      expect(delivery.httpStatus).toBeUndefined();
    }
    expect(mock.stats().callbacks.dropped).toBe(2);
    await expectServing(url);
  });
});

describe('callback deliveries are bounded', () => {
  it('holds at most maxInFlight at once, queues maxQueued, and records and counts the rest as dropped', async () => {
    const hook = await receiver({ hold: true });
    const { mock, url } = await listening({
      ...FROZEN,
      callbacks: { attempts: 1, maxInFlight: 2, maxQueued: 3 },
    });
    for (let i = 0; i < 8; i++) {
      expect((await create(url, { prompt: `p${i}`, callback_url: hook.url })).status).toBe(200);
    }
    await until('two deliveries at the receiver', () => hook.open === 2);
    expect(mock.stats().callbacks).toMatchObject({
      inFlight: 2,
      maxInFlight: 2,
      queued: 3,
      maxQueued: 3,
      dropped: 3,
    });
    const dropped = mock.callbacks().filter((delivery) => delivery.dropped);
    expect(dropped).toHaveLength(3);
    for (const delivery of dropped) {
      expect(delivery).toMatchObject({
        ok: false,
        attempt: 0,
        taskStatus: 'submitted',
        url: hook.url,
        error: 'dropped: queue full (2 in flight, 3 queued)',
      });
    }
    await expectServing(url);
    hook.release();
    await within(5000, 'the queue drains', mock.callbacksIdle());
    expect(hook.received).toHaveLength(5);
    expect(hook.maxOpen).toBe(2);
    expect(mock.stats().callbacks).toMatchObject({ inFlight: 0, queued: 0, dropped: 3 });
  });

  it('refuses impossible queue bounds with a message naming them', () => {
    expect(() => createMockServer({ callbacks: { maxInFlight: 0 } })).toThrow(
      'callbacks.maxInFlight must be a whole number >= 1; got 0',
    );
    expect(() => createMockServer({ callbacks: { maxQueued: Number.POSITIVE_INFINITY } })).toThrow(
      'callbacks.maxQueued must be a whole number >= 0; got Infinity',
    );
  });
});

/** Bodies nested far deeper than any schema: each used to overflow the stack while describing the error. */
const DEEP = 10_000;
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const DEEP_BODIES: [string, string, string][] = [
  ['/v1/images/generations', `{"prompt":"x","a":${nested(DEEP)}}`, 'Unknown parameter a'],
  ['/v1/images/generations', `{"prompt":${nested(DEEP)}}`, 'Invalid parameter prompt: must be a string'],
  ['/v1/images/generations', nested(DEEP), 'Invalid parameter body: must be a object'],
  [
    '/v1/images/omni-image',
    `{"prompt":"x","image_list":${nested(DEEP)}}`,
    'Invalid parameter image_list[0]: must be a object',
  ],
  [
    '/v1/images/generations',
    `{"prompt":"x","model_name":${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}}`,
    'Invalid parameter model_name: must be a string',
  ],
];

describe('malformed requests are 4xx, never 5xx', () => {
  it('answers deeply nested bodies with 400 / 1201 naming the field, over HTTP and in process', async () => {
    const { url } = await listening();
    const mock = mockOf();
    for (const [path, body, message] of DEEP_BODIES) {
      const init = {
        method: 'POST',
        headers: { authorization: `Bearer ${TENANT_A}`, 'content-type': 'application/json' },
        body,
      };
      for (const response of [
        await fetch(`${url}${path}`, init),
        await mock.fetch(new Request(`${IN_PROCESS}${path}`, init)),
      ]) {
        const envelope = (await response.json()) as Envelope;
        expect({ path, status: response.status, code: envelope.code }).toEqual({
          path,
          status: 400,
          code: 1201,
        });
        expect(envelope.message.slice(0, message.length)).toBe(message);
        // What was got is previewed, never the whole body.
        expect(envelope.message.length).toBeLessThan(500);
      }
      await expectServing(url);
      await expectServing(mock);
    }
  });

  const BROKEN_PATHS = [
    '/v1/images/generations/%E0%A4%A',
    '/v1/images/generations/%',
    '/v1/images/omni-image/%ZZ',
    '/v1/images/omni-image/%FF',
    '/v1/images/generations/%C3%28',
    '/__mock/images/%',
    '/__mock/images/%/0.png',
    '/__mock/images/%E0%A4%A/0.png',
    '/v1/%zz',
  ];

  it('answers malformed %-escapes in any path with 400 / 1200, on a raw socket and in process', async () => {
    const { url, port } = await listening();
    const mock = mockOf();
    for (const path of BROKEN_PATHS) {
      const { statusLine, body } = await rawExchange(
        port,
        `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${TENANT_A}\r\nconnection: close\r\n\r\n`,
      );
      expect({ path, statusLine }).toEqual({ path, statusLine: 'HTTP/1.1 400 Bad Request' });
      expect(JSON.parse(body)).toMatchObject({
        code: 1200,
        message: expect.stringContaining('malformed percent-escape'),
      });
      const inProcess = await mock.fetch(
        new Request(`${IN_PROCESS}${path}`, { headers: { authorization: `Bearer ${TENANT_A}` } }),
      );
      expect({ path, status: inProcess.status }).toEqual({ path, status: 400 });
      expect(((await inProcess.json()) as Envelope).code).toBe(1200);
    }
    // A well-formed escape of a control character is an unknown task, as before.
    const nul = await rawExchange(
      port,
      `GET /v1/images/generations/%00 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TENANT_A}\r\nconnection: close\r\n\r\n`,
    );
    expect(nul.statusLine).toBe('HTTP/1.1 404 Not Found');
    await expectServing(url);
    await expectServing(mock);
  });

  it('answers the requests before an unreadable one pipelined on the same connection, a create too, then 400s', async () => {
    const { url, port } = await listening();
    // The door waits for the answers in progress (a create's waits for its body) before it answers the broken
    // request: the create's task exists, so its client must learn its id.
    const body = JSON.stringify({ prompt: 'a red fox' });
    const exchange = await rawExchange(
      port,
      'GET /nothing-here HTTP/1.1\r\nhost: x\r\n\r\n' +
        `POST /v1/images/generations HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TENANT_A}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
        'NOT HTTP AT ALL\r\n\r\n',
    );
    const whole = `${exchange.statusLine}\r\n${exchange.body}`;
    expect(whole.match(/HTTP\/1\.1 \d{3} [^\r]*/g)).toEqual([
      'HTTP/1.1 404 Not Found',
      'HTTP/1.1 200 OK',
      'HTTP/1.1 400 Bad Request',
    ]);
    expect(whole).toContain('"code":1203');
    expect(whole).toMatch(/"task_id":"\d+"/);
    await expectServing(url);
  });

  it('never answers 5xx to any path built from escapes (fuzzed, both doors)', async () => {
    const { url } = await listening();
    const mock = mockOf();
    const escapes = fc.oneof(
      fc.constantFrom('%', '%0', '%E0%A4', '%ZZ', '%FF', '%C3%28', '%00', '%2F', '%25', '%u0041', '..', '/'),
      fc.stringMatching(/^%[0-9A-Fa-f]{0,2}$/),
      fc.stringMatching(/^[A-Za-z0-9._~-]{0,6}$/),
    );
    const paths = fc
      .tuple(
        fc.constantFrom(
          '/v1/images/generations/',
          '/v1/images/omni-image/',
          '/__mock/images/',
          '/__mock/',
          '/v1/',
          '/',
        ),
        fc.array(escapes, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('', '/0.png', '?external_task_id=%E0%A4%A'),
      )
      .map(([prefix, parts, suffix]) => `${prefix}${parts.join('')}${suffix}`);
    const headers = { authorization: `Bearer ${TENANT_A}` };
    await fc.assert(
      fc.asyncProperty(paths, async (path) => {
        const inProcess = await mock.fetch(new Request(`${IN_PROCESS}${path}`, { headers }));
        expect({ path, status: inProcess.status < 500 }).toEqual({ path, status: true });
        await inProcess.arrayBuffer();
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(paths, async (path) => {
        const overHttp = await fetch(`${url}${path}`, { headers });
        expect({ path, status: overHttp.status < 500 }).toEqual({ path, status: true });
        await overHttp.arrayBuffer();
      }),
      { numRuns: 100 },
    );
    await expectServing(url);
    await expectServing(mock);
  });
});

describe('API keys with dots', () => {
  it('accepts a configured API key that looks like a JWT', async () => {
    const dotted = 'kling.api-key.with-two-dots';
    const { url } = await listening({ apiKeys: [dotted, 'a.b.c'] });
    for (const key of [dotted, 'a.b.c']) {
      const response = await fetch(`${url}/v1/images/generations`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect({ key, status: response.status }).toEqual({ key, status: 200 });
    }
    const created = (await (await create(url, { prompt: 'dots' }, dotted)).json()) as Envelope;
    expect(created.code).toBe(0);
    await expectServing(url, dotted);
  });
});

describe('sockets are bounded in time', () => {
  /** Connects, sends `head`, then trickles `drip` every 20 ms; resolves with what the server sent back. */
  function slowLoris(port: number, head: string, drip: string) {
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.write(head);
    const dripper = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(drip);
    }, 20);
    const closed = new Promise<string>((resolve) => {
      socket.on('close', () => {
        clearInterval(dripper);
        resolve(answer);
      });
      socket.on('error', () => undefined);
    });
    return within(5000, 'the server ending a slow client', closed).finally(() => {
      clearInterval(dripper);
      socket.destroy();
    });
  }

  it('answers 408 and closes a client that trickles its headers (headersTimeoutMs)', async () => {
    const { url, port } = await listening({}, { headersTimeoutMs: 150, requestTimeoutMs: 1000 });
    const answer = await slowLoris(port, 'GET /v1/images/generations HTTP/1.1\r\nhost: x\r\n', 'x-a: b\r\n');
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      code: 1200,
      message: expect.stringContaining('headers within 150 ms'),
    });
    await expectServing(url);
  });

  it('answers 408 and closes a client that trickles its body (requestTimeoutMs)', async () => {
    const { url, port } = await listening({}, { headersTimeoutMs: 100, requestTimeoutMs: 300 });
    const answer = await slowLoris(
      port,
      `POST /v1/images/generations HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TENANT_A}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"prompt":"`,
      'x',
    );
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(answer).toContain('the whole request within 300 ms');
    await expectServing(url);
  });

  it('refuses impossible timeouts with a message naming them', async () => {
    const mock = mockOf();
    await expect(mock.listen({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).rejects.toThrow(
      'headersTimeoutMs (5000) must not exceed requestTimeoutMs (1000)',
    );
    await expect(mock.listen({ requestTimeoutMs: Number.NaN })).rejects.toThrow(
      'requestTimeoutMs must be a whole number of ms',
    );
  });
});

describe('memory is bounded', () => {
  it('refuses a create with 429 / 1303 when maxTasks tasks all still run, instead of growing', async () => {
    const { mock, url } = await listening({ ...FROZEN, maxTasks: 3 });
    for (const prompt of ['a', 'b', 'c']) expect((await create(url, { prompt })).status).toBe(200);
    const refused = await create(url, { prompt: 'd' }, TENANT_B);
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as Envelope;
    expect(body.code).toBe(1303);
    expect(body.message).toContain('maximum of 3 tasks (maxTasks)');
    expect(mock.stats().tasks).toEqual({ stored: 3, limit: 3 });
    // Once tasks end, the oldest ended one makes room again.
    mock.advanceClock(3_600_001);
    expect((await create(url, { prompt: 'd' }, TENANT_B)).status).toBe(200);
    expect(mock.stats().tasks).toEqual({ stored: 3, limit: 3 });
    await expectServing(url);
  });

  it('keeps no oversized Host header with a task: result URLs use the listen origin instead', async () => {
    const { mock, url, port } = await listening();
    const hugeHost = `${'h'.repeat(12_000)}.example:${port}`;
    const { status } = await send(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: { host: hugeHost, authorization: `Bearer ${TENANT_A}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'host' }),
    });
    expect(status).toBe(200);
    mock.advanceClock(60_000);
    const [task] = mock.tasks();
    const result = (task?.task as { task_result?: { images: { url: string }[] } } | undefined)?.task_result;
    const imageUrl = String(result?.images[0]?.url);
    expect(imageUrl.startsWith(`${url}/__mock/images/`)).toBe(true);
    expect(imageUrl.length).toBeLessThan(200);
    await expectServing(url);
  });
});
