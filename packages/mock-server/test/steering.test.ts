import { type ClientDefaults, KlingApiError } from '@klingkit/client';
import { describe, expect, it, vi } from 'vitest';
import { type MockServerOptions, TIMING_PROFILES } from '../src/index.js';
import { createTestKit } from '../src/testing/index.js';
import { inProcessMocks } from './fixtures/in-process.js';
import { type Answer, send } from './fixtures/loopback-http.js';

/**
 * Steering the mock per request: aimed `injectError` (by operation, family, count, with Retry-After), the
 * `X-Kling-Mock` header and who may send it, and `null` restoring every config value's default.
 */

const API_KEY = 'apikey-steering-0123456789abcdef';
const TOKEN = 'steering-token-0123456789';
const inProcess = inProcessMocks();

/** A mock of the API key, its client, and `raw` requests that carry the key unless they say otherwise. */
function setup(options: MockServerOptions = {}, clientOptions: ClientDefaults = {}) {
  const made = inProcess({ apiKeys: [API_KEY], ...options }, clientOptions);
  const raw = (path: string, init: RequestInit = {}) =>
    made.raw(path, { ...init, headers: { authorization: `Bearer ${API_KEY}`, ...init.headers } });
  return { ...made, raw };
}

const bearer = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
const codeOf = (answer: Answer) => (JSON.parse(answer.body) as { code: number }).code;
const messageOf = (answer: Answer) => (JSON.parse(answer.body) as { message: string }).message;

describe('aimed injectError', () => {
  it('fails the poll, not the create', async () => {
    const { mock, client } = setup({}, { maxRetries: 2, baseDelayMs: 1 });
    mock.injectError(5001, { operation: 'get' });
    const { task } = await client.tasks.generate('generations', { prompt: 'a fox' }, { pollIntervalMs: 5 });
    expect(task.task_status).toBe('succeed');
    const seen = mock.requests().map((entry) => `${entry.operation} ${entry.status}/${entry.code}`);
    expect(seen.slice(0, 3)).toEqual([
      'createImageGenerationTask 200/0',
      'getImageGenerationTask 503/5001',
      'getImageGenerationTask 200/0',
    ]);
    expect(seen.slice(3).every((line) => line === 'getImageGenerationTask 200/0')).toBe(true);
  });

  it('hits only its family, as many times as asked', async () => {
    const { mock, client } = setup();
    mock.injectError(1303, { family: 'omni', count: 2 });
    await client.tasks.create('generations', { prompt: 'a fox' });
    for (let i = 0; i < 2; i++) {
      const error = await client.tasks.create('omni', { prompt: 'a boat' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KlingApiError);
      expect((error as KlingApiError).code).toBe(1303);
    }
    await client.tasks.create('omni', { prompt: 'a boat' });
    expect(mock.requests().map((entry) => `${entry.family} ${entry.code}`)).toEqual([
      'generations 0',
      'omni 1303',
      'omni 1303',
      'omni 0',
    ]);
  });

  it("makes the client wait the answer's Retry-After before it retries, on the mock's clock", async () => {
    // The test kit's client waits on the mock clock: the gap the journal shows is the wait, exactly, plus the
    // little real time the requests took.
    const { mock, kling, close } = createTestKit({ client: { maxRetries: 1, baseDelayMs: 1 } });
    try {
      const gapOf = async (retryAfterSeconds: number) => {
        mock.reset();
        mock.injectError(1303, { operation: 'create', retryAfterSeconds });
        const task = await kling.tasks.create('generations', { prompt: 'a fox' });
        const [refused, accepted] = mock.requests();
        expect(refused).toMatchObject({ status: 429, code: 1303 });
        expect(accepted).toMatchObject({ status: 200, code: 0, taskId: task.task_id });
        return (accepted?.at ?? 0) - (refused?.at ?? 0);
      };
      const waited = await gapOf(3);
      expect(waited).toBeGreaterThanOrEqual(3000);
      // The safety net: the wait came from Retry-After, not from a stalled loop or the client's own backoff.
      expect(waited).toBeLessThan(4000);
      expect(await gapOf(0)).toBeLessThan(1000);
    } finally {
      await close();
    }
  });

  it('is served over HTTP with the same options and checks; 1302/1303 carry the configured Retry-After', async () => {
    const { mock } = setup({ faults: { retryAfterSeconds: 6 } });
    const base = await mock.listen({ port: 0 });
    const inject = (body: unknown) =>
      send(`${base}/__mock/inject-error`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await inject({ code: 1303, operation: 'get', family: 'omni', count: 2, retryAfterSeconds: 4 })).status,
    ).toBe(200);
    expect((await inject({ code: 1302, operation: 'list' })).status).toBe(200);
    const refusals: [unknown, string][] = [
      [
        { code: 1303, operation: 'poll' },
        'operation must be one of create, get, list; got "poll" (a string)',
      ],
      [{ code: 1303, family: 'video' }, 'family must be one of generations, omni; got "video" (a string)'],
      [{ code: 1303, count: 1e9 }, 'count must be a whole number from 0 to 10000; got 1000000000'],
      [
        { code: 5000, retryAfterSeconds: 2 },
        'retryAfterSeconds goes with a code whose answer carries Retry-After',
      ],
      [
        { code: 1303, retryAfterSeconds: -1 },
        'retryAfterSeconds must be a whole number from 0 to 3600 (1 hour); got -1',
      ],
      [{ code: 1303, colour: 'red' }, 'control body has no field "colour"'],
      [{ code: 4242 }, 'code must be a code the spec documents'],
    ];
    for (const [body, message] of refusals) {
      const refused = await inject(body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(refused.body).error).toContain(message);
    }
    const create = await send(`${base}/v1/images/omni-image`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ prompt: 'a boat' }),
    });
    expect(create.status).toBe(200);
    const taskId = (JSON.parse(create.body) as { data: { task_id: string } }).data.task_id;
    const poll = await send(`${base}/v1/images/omni-image/${taskId}`, { headers: bearer });
    expect([poll.status, codeOf(poll), poll.headers['retry-after']]).toEqual([429, 1303, '4']);
    const list = await send(`${base}/v1/images/generations`, { headers: bearer });
    expect([list.status, codeOf(list), list.headers['retry-after']]).toEqual([429, 1302, '6']);
  });

  it('gives drawn rate faults the configured Retry-After, and null restores the default of 1 s', async () => {
    const { mock, raw } = setup({ faults: { rateLimitRate: 1, retryAfterSeconds: 5 } });
    const retryAfter = async () => (await raw('/v1/images/generations/1')).headers.get('retry-after');
    expect(await retryAfter()).toBe('5');
    mock.configure({ faults: { retryAfterSeconds: null } });
    expect(await retryAfter()).toBe('1');
    expect(() => mock.configure({ faults: { retryAfterSeconds: 3601 } })).toThrow(
      'faults.retryAfterSeconds must be a whole number from 0 to 3600 (1 hour); got 3601',
    );
  });
});

describe('null restores every config default', () => {
  const everythingNull = {
    profile: null,
    timings: { processingAfterMs: null, processingMs: null, perImageMs: null },
    limits: { concurrency: null, requestsPerSecond: null, balance: null, balances: null },
    faults: {
      latencyMs: null,
      serverErrorRate: null,
      rateLimitRate: null,
      dropRate: null,
      afterCreateShare: null,
      seed: null,
      retryAfterSeconds: null,
    },
  };
  const everythingSet: MockServerOptions = {
    profile: 'realistic',
    timings: { processingMs: 5 },
    limits: { concurrency: 3, requestsPerSecond: 9, balance: 100, balances: { 'demo-access-key': 4 } },
    faults: {
      latencyMs: 1,
      serverErrorRate: 0.1,
      rateLimitRate: 0.1,
      dropRate: 0.1,
      afterCreateShare: 0.3,
      seed: 7,
      retryAfterSeconds: 9,
    },
  };
  const defaults = { timings: TIMING_PROFILES.fast, limits: { concurrency: 20 }, faults: {} };

  it('programmatically: a timing goes back to its profile, the profile to fast, limits and faults unset', () => {
    const { mock } = setup(everythingSet);
    mock.configure({ timings: { processingMs: null } });
    expect(mock.config().timings).toEqual(TIMING_PROFILES.realistic);
    mock.configure(everythingNull);
    expect(mock.config()).toEqual(defaults);
  });

  it('over HTTP', async () => {
    const { mock } = setup(everythingSet);
    const base = await mock.listen({ port: 0 });
    const answer = await send(`${base}/__mock/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(everythingNull),
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(defaults);
  });
});

describe('the X-Kling-Mock header', () => {
  it('answers with the code asked for and its Retry-After, steering only that request', async () => {
    const { mock } = setup();
    const base = await mock.listen({ port: 0 });
    const steered = await send(`${base}/v1/images/generations`, {
      headers: { ...bearer, 'x-kling-mock': 'code=1303; retry-after=2' },
    });
    expect([steered.status, codeOf(steered), steered.headers['retry-after']]).toEqual([429, 1303, '2']);
    expect(messageOf(steered)).toBe('Injected error 1303 (X-Kling-Mock header)');
    const plain = await send(`${base}/v1/images/generations`, { headers: bearer });
    expect(plain.status).toBe(200);
    expect(mock.requests().map((entry) => entry.code)).toEqual([1303, 0]);
  });

  it("decides how a create's task ends, over prompt markers and without touching failNext", async () => {
    const { mock, raw } = setup();
    mock.failNext(1, 'from failNext');
    const create = (prompt: string, directives?: string) =>
      raw('/v1/images/generations', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(directives && { 'x-kling-mock': directives }) },
        body: JSON.stringify({ prompt }),
      });
    await create('a fox', 'outcome=failed; message="Out of ink; sorry"');
    await create('[mock:fail] a fox', 'outcome=succeed');
    await create('a plain fox');
    mock.advanceClock(60_000);
    expect(mock.tasks().map(({ task }) => [task.task_status, task.task_status_msg])).toEqual([
      ['failed', 'Out of ink; sorry'],
      ['succeed', ''],
      ['failed', 'from failNext'],
    ]);
  });

  it('delays just its request by the latency asked for', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { raw } = setup({ faults: { latencyMs: 10_000 } });
    let answered = false;
    const pending = raw('/v1/images/generations', { headers: { 'x-kling-mock': 'latency=200' } }).then(
      (answer) => {
        answered = true;
        return answer;
      },
    );
    await vi.advanceTimersByTimeAsync(199);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).status).toBe(200);
  });

  it('refuses bad directives with 400 / 1200 naming the directive and what it takes', async () => {
    const { mock } = setup();
    const base = await mock.listen({ port: 0 });
    const cases: [string, string][] = [
      [
        'code=1303; colour=red',
        'unknown directive "colour"; allowed: code, retry-after, outcome, message, latency',
      ],
      ['code=42', 'code must be a business code the spec documents'],
      ['latency=99999', 'latency must be a number from 0 to 60000 (60 s); got 99999'],
      ['outcome=failed', 'outcome applies to creates only'],
      ['code=1101; retry-after=1; code=1102', 'directive "code" appears twice'],
    ];
    for (const [value, message] of cases) {
      const answer = await send(`${base}/v1/images/generations`, {
        headers: { ...bearer, 'x-kling-mock': value },
      });
      expect([answer.status, codeOf(answer)], value).toEqual([400, 1200]);
      expect(messageOf(answer)).toMatch(/^Invalid X-Kling-Mock header: /);
      expect(messageOf(answer)).toContain(message);
    }
    expect(mock.tasks()).toEqual([]);
  });

  it('is refused from a page on another origin, another site or a rebound host, and without the control token', async () => {
    const { mock } = setup();
    const base = await mock.listen({ port: 0 });
    const port = new URL(base).port;
    const steer = { ...bearer, 'x-kling-mock': 'code=1101' };
    const refusals: [Record<string, string>, string][] = [
      [{ origin: 'http://evil.example' }, 'requests from web pages on "http://evil.example" are not allowed'],
      [{ 'sec-fetch-site': 'cross-site' }, 'the request came from a page on another site'],
      [{ host: `evil.example:${port}` }, 'is not a name this mock serves'],
    ];
    for (const [headers, reason] of refusals) {
      const answer = await send(`${base}/v1/images/generations`, { headers: { ...steer, ...headers } });
      expect([answer.status, codeOf(answer)], JSON.stringify(headers)).toEqual([403, 1103]);
      expect(messageOf(answer)).toContain('The X-Kling-Mock header is refused');
      expect(messageOf(answer)).toContain(reason);
    }
    // The mock's own origin is fine (the controls' rule), and nothing was steered by the refused ones.
    const own = await send(`${base}/v1/images/generations`, { headers: { ...steer, origin: base } });
    expect(codeOf(own)).toBe(1101);
    expect(mock.requests().map((entry) => entry.code)).toEqual([1103, 1103, 1103, 1101]);

    const guarded = setup({ controlToken: TOKEN }).mock;
    const guardedBase = await guarded.listen({ port: 0 });
    const noToken = await send(`${guardedBase}/v1/images/generations`, { headers: steer });
    expect([noToken.status, codeOf(noToken)]).toEqual([403, 1103]);
    expect(messageOf(noToken)).toContain('need the control token in the x-kling-mock-token header');
    const withToken = await send(`${guardedBase}/v1/images/generations`, {
      headers: { ...steer, 'x-kling-mock-token': TOKEN },
    });
    expect(codeOf(withToken)).toBe(1101);
  });

  it("is not among the headers the API's CORS preflight allows, so no page on another origin can send it", async () => {
    const { mock } = setup();
    const base = await mock.listen({ port: 0 });
    const preflight = await send(`${base}/v1/images/generations`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://evil.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization, x-kling-mock',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toBe('authorization, content-type');
  });
});
