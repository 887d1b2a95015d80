import { spawn } from 'node:child_process';
import { createKlingClient } from '@klingkit/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { controlsOffReason } from '../src/controls/control-access.js';
import { createMockServer, type MockServer, type MockServerOptions } from '../src/index.js';
import { CLI } from './fixtures/kling-mock-cli.js';
import { type Answer, type SendOptions, send as sendRaw } from './fixtures/loopback-http.js';

/**
 * The control plane under `/__mock/` attacked over HTTP, as a web page, a DNS-rebinding page, a careless
 * network exposure and a hostile tester would: each attack must be refused (or bounded), say why, leave the
 * mock's state as it was, and leave the mock answering API requests.
 */

const ACCESS_KEY = 'ak-visible';
const SECRET_KEY = 'sk-of-ak-visible-never-shown-0123';
const API_KEY = 'apikey-live-0123456789abcdefSECRET';
const SHORT_KEY = 'tiny-key';
const SECRETS = [SECRET_KEY, API_KEY, SHORT_KEY];
const TOKEN = 'control-token-0123456789abcdef';
const EVIL = 'http://evil.example';

/** Every control answer any test received, checked for secrets at the end. */
const controlAnswers: string[] = [];
const started: MockServer[] = [];

/** One request over a fresh connection; rejects when no answer comes within `timeoutMs` (5 s). */
async function send(base: string, path: string, options: SendOptions = {}): Promise<Answer> {
  const answer = await sendRaw(`${base}${path}`, { timeoutMs: 5000, ...options });
  if (path.startsWith('/__mock/')) controlAnswers.push(answer.body);
  return answer;
}

const json = { 'content-type': 'application/json' };
const corsHeaders = (answer: Answer) =>
  Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'));
const errorOf = (answer: Answer) => (JSON.parse(answer.body) as { error: string }).error;

/** After an attack the mock still answers a valid API request (the bound is a safety net, not the measure). */
async function expectAlive(base: string): Promise<void> {
  const answer = await send(base, '/v1/images/generations', {
    headers: { authorization: `Bearer ${API_KEY}` },
    timeoutMs: 10_000,
  });
  expect(answer.status).toBe(200);
}

async function startMock(options: MockServerOptions = {}, host = '127.0.0.1') {
  const mock = createMockServer({
    accounts: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
    apiKeys: [API_KEY, SHORT_KEY],
    ...options,
  });
  started.push(mock);
  const url = await mock.listen({ port: 0, host });
  return { mock, url: url.replace('0.0.0.0', '127.0.0.1') };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((mock) => mock.close()));
});

describe('the controls refuse web pages', () => {
  let mock: MockServer;
  let url: string;
  /** What a refused attack must leave as it was. */
  // Which tasks exist, not their status: the task made in beforeAll moves on with real time, which is no
  // control's doing (comparing whole task objects failed on a loaded machine).
  const state = () =>
    JSON.stringify({
      tasks: mock.tasks().map(({ account, task }) => `${account}/${task.task_id}`),
      config: mock.config(),
      ahead: mock.now() - Date.now() > 1000,
    });

  beforeAll(async () => {
    mock = createMockServer({
      accounts: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
      apiKeys: [API_KEY],
      limits: { balances: { [`api-key:${API_KEY}`]: 50 } },
    });
    url = await mock.listen({ port: 0 });
    await createKlingClient({ apiKey: API_KEY, baseUrl: url }).tasks.create('generations', {
      prompt: 'mine',
    });
  });
  afterAll(() => mock.close());

  it('answers no cross-origin read, with no CORS header on any control answer', async () => {
    for (const path of ['/__mock/tasks', '/__mock/config', '/__mock/callbacks', '/__mock/stats']) {
      for (const origin of [EVIL, 'null', `http://localhost:${new URL(url).port}0`]) {
        const answer = await send(url, path, { headers: { origin } });
        expect(answer.status, `${path} from ${origin}`).toBe(403);
        expect(corsHeaders(answer)).toEqual([]);
        expect(errorOf(answer)).toContain('are not allowed');
        expect(answer.body).not.toContain('mine');
      }
      // A request without Origin (curl, a test in another language) is fine, and gets no CORS either.
      const plain = await send(url, path);
      expect(plain.status).toBe(200);
      expect(corsHeaders(plain)).toEqual([]);
    }
    await expectAlive(url);
  });

  it('refuses cross-origin writes, even as JSON, and changes nothing', async () => {
    const before = state();
    for (const [path, body] of [
      ['/__mock/reset', '{}'],
      ['/__mock/config', '{"limits":{"concurrency":1}}'],
      ['/__mock/fail-next', '{"count":5}'],
      ['/__mock/inject-error', '{"code":1304,"count":5}'],
      ['/__mock/clock', '{"advanceMs":86400000}'],
      ['/__mock/expire-tokens', '{}'],
    ] as const) {
      const answer = await send(url, path, { method: 'POST', headers: { ...json, origin: EVIL }, body });
      expect(answer.status, path).toBe(403);
      expect(corsHeaders(answer)).toEqual([]);
    }
    expect(state()).toBe(before);
    await expectAlive(url);
  });

  it('answers control preflights without CORS, and keeps CORS for the API and result images', async () => {
    const preflight = (path: string, origin: string) =>
      send(url, path, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    for (const path of ['/__mock/reset', '/__mock/config', '/__mock/tasks']) {
      const answer = await preflight(path, EVIL);
      expect(answer.status).toBe(403);
      expect(corsHeaders(answer)).toEqual([]);
    }
    expect((await preflight('/v1/images/generations', EVIL)).headers['access-control-allow-origin']).toBe(
      '*',
    );
    const [task] = mock.tasks();
    mock.advanceClock(60_000);
    const image = await send(url, `/__mock/images/${task?.task.task_id}/0.png`, {
      headers: { origin: EVIL },
    });
    expect(image.status).toBe(200);
    expect(image.headers['access-control-allow-origin']).toBe('*');
    await expectAlive(url);
  });

  it('refuses a page on another site that sends no Origin (Sec-Fetch-Site)', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const answer = await send(url, '/__mock/tasks', { headers: { 'sec-fetch-site': site } });
      expect(answer.status).toBe(403);
      expect(errorOf(answer)).toContain(`Sec-Fetch-Site: ${site}`);
    }
    // Typed into the address bar: no Origin, Sec-Fetch-Site none.
    expect((await send(url, '/__mock/tasks', { headers: { 'sec-fetch-site': 'none' } })).status).toBe(200);
    await expectAlive(url);
  });

  it('takes only application/json POSTs, even with no body, so no page can send one as a simple request', async () => {
    const before = state();
    for (const [type, body] of [
      ['text/plain', '{}'],
      ['text/plain;charset=UTF-8', ''],
      ['application/x-www-form-urlencoded', 'a=b'],
      ['multipart/form-data; boundary=x', '--x--'],
      ['application/jsonp', '{}'],
      [undefined, undefined],
    ] as const) {
      const answer = await send(url, '/__mock/reset', {
        method: 'POST',
        headers: type === undefined ? {} : { 'content-type': type },
        body,
      });
      expect(answer.status, String(type)).toBe(415);
      expect(errorOf(answer)).toContain('need content-type: application/json (even with no body)');
      expect(corsHeaders(answer)).toEqual([]);
    }
    expect(state()).toBe(before);
    await expectAlive(url);
  });

  it('refuses a Host it does not serve (DNS rebinding), whatever the Origin', async () => {
    const { port } = new URL(url);
    const before = state();
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1:${Number(port) + 1}`,
      `localhost.evil.example:${port}`,
    ]) {
      for (const origin of [undefined, `http://${host}`]) {
        const headers: Record<string, string> = { host, ...(origin && { origin }) };
        const read = await send(url, '/__mock/tasks', { headers });
        expect(read.status, host).toBe(403);
        expect(errorOf(read)).toContain('DNS rebinding');
        const reset = await send(url, '/__mock/reset', { method: 'POST', headers: { ...headers, ...json } });
        expect(reset.status).toBe(403);
      }
    }
    expect(state()).toBe(before);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `app.localhost:${port}`])
      expect((await send(url, '/__mock/stats', { headers: { host } })).status, host).toBe(200);
    await expectAlive(url);
  });

  it('applies the same Origin and content-type rules in process (no Host check there)', async () => {
    const inProcess = (path: string, init: RequestInit = {}) =>
      mock.fetch(new Request(`http://kling.mock${path}`, init));
    const before = state();
    expect((await inProcess('/__mock/tasks', { headers: { origin: EVIL } })).status).toBe(403);
    expect((await inProcess('/__mock/reset', { method: 'POST' })).status).toBe(415);
    expect(
      (
        await inProcess('/__mock/reset', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: '{}',
        })
      ).status,
    ).toBe(415);
    expect(state()).toBe(before);
    expect((await inProcess('/__mock/tasks', { headers: { origin: 'http://kling.mock' } })).status).toBe(200);
  });
});

describe('the control token', () => {
  it('is required when set, in its own header, and compared whole', async () => {
    const { mock, url } = await startMock({ controlToken: TOKEN });
    const attempts: Record<string, string>[] = [
      {},
      { 'x-kling-mock-token': 'wrong' },
      { 'x-kling-mock-token': `${TOKEN}x` },
      { 'x-kling-mock-token': TOKEN.slice(0, -1) },
      { authorization: `Bearer ${TOKEN}` },
    ];
    for (const headers of attempts) {
      const answer = await send(url, '/__mock/tasks', { headers });
      expect(answer.status).toBe(401);
      expect(errorOf(answer)).toContain('x-kling-mock-token');
      expect(answer.body).not.toContain(TOKEN);
      const reset = await send(url, '/__mock/reset', { method: 'POST', headers: { ...headers, ...json } });
      expect(reset.status).toBe(401);
    }
    expect((await send(url, '/__mock/tasks', { headers: { 'x-kling-mock-token': TOKEN } })).status).toBe(200);
    const inProcess = await mock.fetch(new Request('http://kling.mock/__mock/stats'));
    expect(inProcess.status).toBe(401);
    expect(mock.controlStatus()).toMatchObject({ enabled: true, tokenRequired: true });
    await expectAlive(url);
  });

  it('must be long enough to guess hard', () => {
    expect(() => createMockServer({ controlToken: 'short' })).toThrow(
      'The control token must be 16 to 1024 visible ASCII characters (no spaces)',
    );
  });

  it('turns the controls off on a non-loopback host when missing, saying why and how', async () => {
    expect(controlsOffReason('0.0.0.0', {})).toContain(
      'the mock listens on 0.0.0.0, which is not a loopback address',
    );
    expect(controlsOffReason('::', {})).toContain('listens on ::');
    expect(controlsOffReason('192.168.1.20', {})).toContain('listens on 192.168.1.20');
    expect(controlsOffReason('127.0.0.1', { publicUrl: 'https://mock.example.com' })).toContain(
      'publicUrl names mock.example.com',
    );
    expect(controlsOffReason('127.0.0.1', { controlHosts: ['mock.internal:4010'] })).toContain(
      'control host mock.internal:4010 is not a loopback name',
    );
    for (const host of ['127.0.0.1', '127.3.4.5', 'localhost', '::1', '[::1]', 'app.localhost'])
      expect(controlsOffReason(host, { controlHosts: ['localhost'] }), host).toBeUndefined();
    expect(controlsOffReason('0.0.0.0', { controlToken: TOKEN })).toBeUndefined();

    // Listening on every interface; the test itself only talks to 127.0.0.1.
    const open = await startMock({}, '0.0.0.0');
    expect(open.mock.controlStatus()).toMatchObject({ enabled: false });
    const refused = await send(open.url, '/__mock/tasks');
    expect(refused.status).toBe(403);
    expect(errorOf(refused)).toContain('Mock controls are disabled');
    expect(errorOf(refused)).toContain('--control-token');
    const reset = await send(open.url, '/__mock/reset', { method: 'POST', headers: json });
    expect(reset.status).toBe(403);
    await expectAlive(open.url);

    const guarded = await startMock({ controlToken: TOKEN }, '0.0.0.0');
    expect(
      (await send(guarded.url, '/__mock/stats', { headers: { 'x-kling-mock-token': TOKEN } })).status,
    ).toBe(200);
  });

  it('lets allowed origins and hosts in, naming exactly the allowed origin in CORS', async () => {
    const page = 'http://localhost:5173';
    const { url } = await startMock({
      controlOrigins: [page],
      controlHosts: ['localhost', 'mock.internal'],
      controlToken: TOKEN,
    });
    const { port } = new URL(url);
    const token = { 'x-kling-mock-token': TOKEN };
    const allowed = await send(url, '/__mock/stats', { headers: { origin: page, ...token } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(page);
    expect(allowed.headers.vary).toBe('origin');
    const preflight = await send(url, '/__mock/reset', {
      method: 'OPTIONS',
      headers: { origin: page, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toBe('content-type, x-kling-mock-token');
    const other = await send(url, '/__mock/stats', {
      headers: { origin: 'http://localhost:5174', ...token },
    });
    expect(other.status).toBe(403);
    expect(corsHeaders(other)).toEqual([]);
    expect(
      (await send(url, '/__mock/stats', { headers: { host: `mock.internal:${port}`, ...token } })).status,
    ).toBe(200);
    expect((await send(url, '/__mock/stats', { headers: { host: `mock.internal:${port}` } })).status).toBe(
      401,
    );
    expect(() => createMockServer({ controlOrigins: ['http://localhost:5173/app'] })).toThrow(
      'controlOrigins takes web origins',
    );
  });
});

describe('no secrets in control answers', () => {
  it('shows AccessKeys as they are and API keys by a stable masked label, everywhere', async () => {
    const { mock, url } = await startMock({
      limits: { balances: { [`api-key:${API_KEY}`]: 40, [`api-key:${SHORT_KEY}`]: 30, [ACCESS_KEY]: 20 } },
    });
    await createKlingClient({ apiKey: API_KEY, baseUrl: url }).tasks.create('generations', { prompt: 'a' });
    await createKlingClient({ apiKey: SHORT_KEY, baseUrl: url }).tasks.create('generations', { prompt: 'b' });
    await createKlingClient({ accessKey: ACCESS_KEY, secretKey: SECRET_KEY, baseUrl: url }).tasks.create(
      'generations',
      { prompt: 'c' },
    );
    const tasks = JSON.parse((await send(url, '/__mock/tasks')).body) as { account: string }[];
    const [long, short, pair] = tasks.map((task) => task.account);
    expect(long).toMatch(/^api-key:ap…ET#[0-9a-f]{8}$/);
    expect(short).toMatch(/^api-key:…#[0-9a-f]{8}$/);
    expect(pair).toBe(ACCESS_KEY);
    expect(long).not.toBe(short);
    // Stable across calls and doors, and usable as the filter (as is the raw id).
    expect(mock.tasks().map((task) => task.account)).toEqual([long, short, pair]);
    for (const filter of [long, `api-key:${API_KEY}`]) {
      const mine = JSON.parse(
        (await send(url, `/__mock/tasks?account=${encodeURIComponent(filter as string)}`)).body,
      );
      expect(mine).toHaveLength(1);
      expect(mine[0].account).toBe(long);
    }
    const config = JSON.parse((await send(url, '/__mock/config')).body) as { limits: { balances: object } };
    expect(config.limits.balances).toEqual({ [long as string]: 40, [short as string]: 30, [ACCESS_KEY]: 20 });

    // Every other control answer, refusals and errors included.
    const answers = [
      await send(url, '/__mock/stats'),
      await send(url, '/__mock/callbacks'),
      await send(url, '/__mock/config', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ limits: { balances: { [`api-key:${API_KEY}`]: 41 } } }),
      }),
      await send(url, '/__mock/config', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ limits: { balances: { [`api-key:${API_KEY}`]: -1 } } }),
      }),
      await send(url, '/__mock/config', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ limits: { balances: { [API_KEY]: 'lots' } } }),
      }),
      await send(url, '/__mock/nope'),
      await send(url, '/__mock/tasks', { headers: { origin: EVIL } }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 400, 400, 404, 403]);
    expect(errorOf(answers[3] as Answer)).toContain(`limits.balances.${long} must be a whole number`);
    for (const text of [
      ...answers.map((answer) => answer.body),
      JSON.stringify(mock.config()),
      JSON.stringify(mock.tasks()),
    ])
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(() => mock.configure({ limits: { balances: { [`api-key:${API_KEY}`]: -1 } } })).toThrow(
      `limits.balances.${long} must be`,
    );
    await expectAlive(url);
  });

  it('prints no configured secret at start-up (kling-mock)', async () => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        '--port',
        '0',
        '--account',
        `${ACCESS_KEY}:${SECRET_KEY}`,
        '--api-key',
        API_KEY,
        '--control-token',
        TOKEN,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = await startupOutput(child);
    await stop(child);
    expect(output).toContain('Accounts: 1 key pair(s), 1 API key(s)');
    expect(output).toContain(
      'Mock controls: /__mock/ needs the control token in the x-kling-mock-token header.',
    );
    for (const secret of [SECRET_KEY, API_KEY, TOKEN]) expect(output).not.toContain(secret);
  });
});

/** Control bodies that must be refused, and what the refusal must say. */
const OUT_OF_RANGE: [path: string, body: unknown, error: string][] = [
  [
    '/__mock/clock',
    { advanceMs: 1.7e308 },
    'advanceMs must be a whole number from 0 to 315360000000 (10 years); got 1.7e+308',
  ],
  [
    '/__mock/clock',
    { advanceMs: '5000' },
    'advanceMs must be a whole number from 0 to 315360000000 (10 years); got "5000" (a string)',
  ],
  ['/__mock/clock', { advanceMs: -1 }, 'advanceMs must be a whole number from 0 to 315360000000'],
  ['/__mock/clock', { advanceMs: 0.5 }, 'advanceMs must be a whole number'],
  ['/__mock/clock', {}, 'advanceMs must be a whole number from 0 to 315360000000 (10 years); got undefined'],
  [
    '/__mock/fail-next',
    { count: 300_000_000 },
    'count must be a whole number from 0 to 10000; got 300000000',
  ],
  [
    '/__mock/fail-next',
    { count: 'Infinity' },
    'count must be a whole number from 0 to 10000; got "Infinity" (a string)',
  ],
  ['/__mock/fail-next', { count: -1 }, 'count must be a whole number from 0 to 10000'],
  [
    '/__mock/fail-next',
    { count: 1, message: 'x'.repeat(1001) },
    'message must be a string of at most 1000 characters',
  ],
  [
    '/__mock/fail-next',
    { count: 1, message: 42 },
    'message must be a string of at most 1000 characters; got 42',
  ],
  [
    '/__mock/inject-error',
    { code: 1304, count: 300_000_000 },
    'count must be a whole number from 0 to 10000',
  ],
  ['/__mock/inject-error', { code: 1304, count: 'Infinity' }, 'count must be a whole number from 0 to 10000'],
  ['/__mock/inject-error', { code: '1304' }, 'code must be a code the spec documents'],
  [
    '/__mock/config',
    { faults: { latencyMs: 2e9 } },
    'faults.latencyMs must be a number from 0 to 60000 (60 s); got 2000000000',
  ],
  ['/__mock/config', { faults: { latencyMs: '100' } }, 'faults.latencyMs must be a number from 0 to 60000'],
  ['/__mock/config', { faults: { seed: -1 } }, 'faults.seed must be a whole number from 0 to 4294967295'],
  ['/__mock/config', { faults: { dropRate: 2 } }, 'faults.dropRate must be a number from 0 to 1'],
  [
    '/__mock/config',
    { timings: { processingMs: 1e12 } },
    'timings.processingMs must be a number from 0 to 86400000 (24 hours)',
  ],
  [
    '/__mock/config',
    { timings: { processingMs: '40' } },
    'timings.processingMs must be a number from 0 to 86400000',
  ],
  [
    '/__mock/config',
    { timings: { procesingMs: 40 } },
    'timings has no field "procesingMs"; allowed: processingAfterMs, processingMs, perImageMs',
  ],
  [
    '/__mock/config',
    { limits: { concurrency: 0 } },
    'limits.concurrency must be a whole number from 1 to 1000000000; got 0',
  ],
  [
    '/__mock/config',
    { limits: { concurrency: '5' } },
    'limits.concurrency must be a whole number from 1 to 1000000000',
  ],
  [
    '/__mock/config',
    { limits: { requestsPerSecond: 1e10 } },
    'limits.requestsPerSecond must be a whole number from 1 to 1000000000',
  ],
  [
    '/__mock/config',
    { limits: { balance: 1e300 } },
    'limits.balance must be a whole number from 0 to 9007199254740991',
  ],
  [
    '/__mock/config',
    { limits: { balances: { [ACCESS_KEY]: -1 } } },
    `limits.balances.${ACCESS_KEY} must be a whole number from 0`,
  ],
  ['/__mock/config', { limits: { concurency: 5 } }, 'limits has no field "concurency"'],
  ['/__mock/config', { profile: 'slow' }, 'profile must be one of fast, realistic; got "slow" (a string)'],
  ['/__mock/config', { timings: 5 }, 'timings must be an object; got 5'],
  ['/__mock/config', { limit: {} }, 'control body has no field "limit"'],
  // All or nothing: the good half of a refused change is not applied either.
  ['/__mock/config', { limits: { concurrency: 5 }, faults: { latencyMs: 2e9 } }, 'faults.latencyMs must be'],
  ['/__mock/config', [1], 'control body must be an object; got an array'],
  ['/__mock/config', '{"limits":', 'Mock control body is not valid JSON'],
];

describe('bounded control input', () => {
  it.each(OUT_OF_RANGE)(
    'refuses POST %s %j with 400 naming the field and range, changing nothing',
    async (path, body, error) => {
      const { mock, url } = await startMock();
      const before = JSON.stringify(mock.config());
      const answer = await send(url, path, {
        method: 'POST',
        headers: json,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      expect(answer.status).toBe(400);
      expect(errorOf(answer)).toContain(error);
      expect(JSON.stringify(mock.config())).toBe(before);
      expect(mock.now() - Date.now()).toBeLessThan(1000);
      await expectAlive(url);
      // Nothing was queued by a refused fail-next or inject-error: the next task is made and succeeds.
      const client = createKlingClient({ apiKey: API_KEY, baseUrl: url, maxRetries: 0 });
      const task = await client.tasks.create('generations', { prompt: 'after the attack' });
      mock.advanceClock(60_000);
      expect((await client.tasks.get('generations', task.task_id)).task_status).toBe('succeed');
    },
  );

  it('keeps the clock inside what a date can hold, however often it is advanced', async () => {
    const { url } = await startMock();
    const step = { advanceMs: 315_360_000_000 };
    let answer: Answer;
    let steps = 0;
    do {
      answer = await send(url, '/__mock/clock', {
        method: 'POST',
        headers: json,
        body: JSON.stringify(step),
      });
      steps++;
    } while (answer.status === 200 && steps < 200);
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toContain('ahead of real time');
    expect(steps).toBeGreaterThan(90);
    await expectAlive(url);
  });

  it('caps what fail-next and inject-error may hold pending in all', async () => {
    const { url } = await startMock();
    const post = (path: string, body: unknown) =>
      send(url, path, { method: 'POST', headers: json, body: JSON.stringify(body) });
    expect((await post('/__mock/inject-error', { code: 1304, count: 10_000 })).status).toBe(200);
    const over = await post('/__mock/inject-error', { code: 1304, count: 1 });
    expect(over.status).toBe(400);
    expect(errorOf(over)).toBe(
      'count 1 is too many: inject-error already holds 10000 and may hold at most 10000',
    );
    expect((await post('/__mock/reset', {})).status).toBe(200);
    await expectAlive(url);
  });

  it('sets and unsets limits and faults (null restores the default or no limit)', async () => {
    const { url } = await startMock();
    const configure = async (body: unknown) => {
      const answer = await send(url, '/__mock/config', {
        method: 'POST',
        headers: json,
        body: JSON.stringify(body),
      });
      expect(answer.status, answer.body).toBe(200);
      return JSON.parse(answer.body) as { limits: Record<string, unknown>; faults: Record<string, unknown> };
    };
    const api = () =>
      send(url, '/v1/images/generations', { headers: { authorization: `Bearer ${API_KEY}` } });
    const client = createKlingClient({ apiKey: API_KEY, baseUrl: url, maxRetries: 0 });

    await configure({ limits: { requestsPerSecond: 1 } });
    expect((await Promise.all([api(), api(), api()])).map((answer) => answer.status)).toContain(429);
    expect((await configure({ limits: { requestsPerSecond: null } })).limits).toEqual({ concurrency: 20 });
    expect((await Promise.all([api(), api(), api()])).map((answer) => answer.status)).toEqual([
      200, 200, 200,
    ]);

    await configure({ limits: { balance: 0, concurrency: 1 } });
    await expect(client.tasks.create('generations', { prompt: 'x' })).rejects.toMatchObject({ code: 1102 });
    expect((await configure({ limits: { balance: null, concurrency: null } })).limits).toEqual({
      concurrency: 20,
    });
    await client.tasks.create('generations', { prompt: 'x' });

    await configure({ limits: { balances: { [`api-key:${API_KEY}`]: 0 } } });
    await expect(client.tasks.create('generations', { prompt: 'x' })).rejects.toMatchObject({ code: 1102 });
    expect((await configure({ limits: { balances: { [`api-key:${API_KEY}`]: null } } })).limits).toEqual({
      concurrency: 20,
    });
    await client.tasks.create('generations', { prompt: 'x' });

    expect((await configure({ faults: { latencyMs: 5, seed: 7 } })).faults).toEqual({
      latencyMs: 5,
      seed: 7,
    });
    expect((await configure({ faults: { latencyMs: null, seed: null } })).faults).toEqual({});
    await expectAlive(url);
  });

  it('applies the same bounds to the programmatic controls and the options', () => {
    const mock = createMockServer();
    started.push(mock);
    expect(() => mock.advanceClock(1.7e308)).toThrow(RangeError);
    expect(() => mock.advanceClock(Number.POSITIVE_INFINITY)).toThrow('advanceMs must be a whole number');
    expect(() => mock.failNext(10_001)).toThrow('count must be a whole number from 0 to 10000; got 10001');
    expect(() => mock.injectError(1304, 10_001)).toThrow('count must be a whole number from 0 to 10000');
    expect(() => mock.configure({ faults: { latencyMs: 2e9 } })).toThrow(
      'faults.latencyMs must be a number from 0 to 60000',
    );
    expect(() => createMockServer({ faults: { latencyMs: 2e9 } })).toThrow('faults.latencyMs must be');
    expect(() => createMockServer({ timings: { processingMs: 1e12 } })).toThrow(
      'timings.processingMs must be',
    );
    expect(() => createMockServer({ limits: { concurrency: 1e10 } })).toThrow('limits.concurrency must be');
  });

  it('refuses a 60 MB control body with 413 before reading it, and keeps answering', async () => {
    const { url } = await startMock();
    // Only the first 64 KiB of a declared 60 MB is sent: the answer must not wait for the rest.
    const declared = await postPartly(url, { 'content-length': String(60 * 1024 * 1024) }, 64 * 1024);
    expect(declared.status).toBe(413);
    expect(declared.headers.connection).toBe('close');
    expect(JSON.parse(declared.body)).toEqual({
      error: 'Mock control bodies are limited to 1048576 bytes (1 MiB); this one is larger',
    });
    await expectAlive(url);
    // Refused before the body is read for any other reason too, and the connection closed, not drained.
    const plain = await postPartly(
      url,
      { 'content-type': 'text/plain', 'content-length': String(60 * 1024 * 1024) },
      64 * 1024,
    );
    expect(plain.status).toBe(415);
    expect(plain.headers.connection).toBe('close');
    await expectAlive(url);
    // Without a length, the mock stops reading at 1 MiB.
    const chunked = await postPartly(url, { 'transfer-encoding': 'chunked' }, 1024 * 1024 + 64 * 1024);
    expect(chunked.status).toBe(413);
    await expectAlive(url);
  });
});

/**
 * POSTs `sent` bytes (rounded up to 16 KiB) of a control body described by `headers`, then stops sending
 * (the connection stays open) and waits for an answer: one that comes within 5 s proves the mock did not
 * wait for the rest.
 */
function postPartly(base: string, headers: Record<string, string>, sent: number): Promise<Answer> {
  const chunk = 16 * 1024;
  return send(base, '/__mock/config', {
    method: 'POST',
    headers: { ...json, ...headers },
    body: Buffer.alloc(Math.ceil(sent / chunk) * chunk, ' '),
    keepOpen: true,
  });
}

async function stop(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function startupOutput(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Mock controls')) resolve(output);
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.once('exit', (code) => reject(new Error(`kling-mock exited with ${code}: ${output}`)));
  });
}

describe('kling-mock start-up', () => {
  it('says when the controls are off (--host 0.0.0.0, no token) and refuses them', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--host', '0.0.0.0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KLING_MOCK_CONTROL_TOKEN: '' },
    });
    try {
      const output = await startupOutput(child);
      expect(output).toContain(
        'Mock controls are disabled: the mock listens on 0.0.0.0, which is not a loopback address, and no control token is set.',
      );
      const port = /listening on http:\/\/0\.0\.0\.0:(\d+)/.exec(output)?.[1];
      const answer = await send(`http://127.0.0.1:${port}`, '/__mock/stats');
      expect(answer.status).toBe(403);
      expect(errorOf(answer)).toContain('Mock controls are disabled');
    } finally {
      await stop(child);
    }
  });

  it('takes the token from KLING_MOCK_CONTROL_TOKEN and keeps it out of its output', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--host', '0.0.0.0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KLING_MOCK_CONTROL_TOKEN: TOKEN },
    });
    try {
      const output = await startupOutput(child);
      expect(output).toContain('needs the control token in the x-kling-mock-token header');
      expect(output).not.toContain(TOKEN);
      const port = /listening on http:\/\/0\.0\.0\.0:(\d+)/.exec(output)?.[1];
      const base = `http://127.0.0.1:${port}`;
      expect((await send(base, '/__mock/stats')).status).toBe(401);
      expect((await send(base, '/__mock/stats', { headers: { 'x-kling-mock-token': TOKEN } })).status).toBe(
        200,
      );
    } finally {
      await stop(child);
    }
  });
});

afterAll(() => {
  // Whatever any test above did, no control answer carried a key or a secret.
  expect(controlAnswers.length).toBeGreaterThan(50);
  for (const answer of controlAnswers) for (const secret of SECRETS) expect(answer).not.toContain(secret);
});
