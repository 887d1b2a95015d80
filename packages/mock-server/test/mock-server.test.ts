import { createKlingClient, KlingApiError } from '@klingkit/client';
import { generateKeyPair, SignJWT } from 'jose';
import { PNG } from 'pngjs';
import { describe, expect, it, vi } from 'vitest';
import { createMockServer } from '../src/index.js';
import { pngOf } from './fixtures/images.js';
import { inProcessMocks, IN_PROCESS_ORIGIN as ORIGIN } from './fixtures/in-process.js';

// Every API response of every test conforms to the spec (status declared, body valid).
const setup = inProcessMocks();

const token = (claims: Record<string, unknown>, secret = 'demo-secret-key', alg = 'HS256') =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
const now = () => Math.floor(Date.now() / 1000);
const bearer = (value: string) => ({ headers: { authorization: `Bearer ${value}` } });

async function errorOf(promise: Promise<unknown>): Promise<KlingApiError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(KlingApiError);
  return error as KlingApiError;
}

describe('task lifecycle and results', () => {
  it('moves submitted -> processing -> succeed with updated_at moving, and serves real PNGs', async () => {
    // Timings far longer than the test, so only advanceClock moves the task.
    const { mock, client } = setup({ timings: { processingAfterMs: 60_000, processingMs: 60_000 } });
    const created = await client.tasks.create('generations', {
      prompt: 'a red fox',
      n: 2,
      aspect_ratio: '16:9',
    });
    expect(created.task_status).toBe('submitted');
    const seen = [(await client.tasks.get('generations', created.task_id)).task_status];
    mock.advanceClock(60_000);
    const processing = await client.tasks.get('generations', created.task_id);
    seen.push(processing.task_status);
    mock.advanceClock(70_000);
    const done = await client.tasks.get('generations', created.task_id);
    seen.push(done.task_status);
    expect(seen).toEqual(['submitted', 'processing', 'succeed']);
    expect(done.updated_at).toBeGreaterThan(processing.updated_at);
    expect(done.final_unit_deduction).toBe('2');

    const urls = (done.task_result?.images ?? []).map((image) => image.url as string);
    expect(urls).toHaveLength(2);
    const pngs = await Promise.all(
      urls.map(async (url) => Buffer.from(await (await mock.fetch(new Request(url))).arrayBuffer())),
    );
    const decoded = pngs.map((bytes) => PNG.sync.read(bytes));
    expect(decoded[0]?.width).toBe(512);
    expect(decoded[0]?.height).toBe(288);
    expect(pngs[0]?.equals(pngs[1] as Buffer)).toBe(false);
  });

  it('renders Omni series with series_amount images and watermark variants', async () => {
    const { client } = setup();
    const { task, images } = await client.tasks.generate(
      'omni',
      {
        prompt: 'storyboard',
        result_type: 'series',
        series_amount: 3,
        watermark_info: { enabled: true },
        aspect_ratio: '9:16',
      },
      { pollIntervalMs: 5 },
    );
    expect(task.task_result).toMatchObject({ result_type: 'series' });
    expect(images).toHaveLength(3);
    expect(images.every((image) => image.watermark_url?.endsWith('-watermark.png'))).toBe(true);
  });

  it('fails tasks on the prompt markers and on failNext, with a reason', async () => {
    const { mock, client } = setup();
    const policy = await client.tasks.create('generations', { prompt: 'x [mock:policy]' });
    mock.failNext(1, 'GPU on fire');
    const queued = await client.tasks.create('generations', { prompt: 'y' });
    mock.advanceClock(1000);
    expect(await client.tasks.get('generations', policy.task_id)).toMatchObject({
      task_status: 'failed',
      task_status_msg: 'Failure to pass the risk control system',
      final_unit_deduction: '0',
    });
    expect((await client.tasks.get('generations', queued.task_id)).task_status_msg).toBe('GPU on fire');
    expect((await errorOf(client.tasks.create('generations', { prompt: 'z [mock:reject]' }))).code).toBe(
      1301,
    );
  });

  it('stops serving result images after the retention period', async () => {
    const { mock, client } = setup();
    const { images } = await client.tasks.generate(
      'generations',
      { prompt: 'short-lived' },
      { pollIntervalMs: 5 },
    );
    const url = images[0]?.url as string;
    expect((await mock.fetch(new Request(url))).status).toBe(200);
    mock.advanceClock(31 * 24 * 3600 * 1000);
    const expired = await mock.fetch(new Request(url));
    expect(expired.status).toBe(404);
    expect(await expired.text()).toContain('expired');
  });
});

describe('query and list', () => {
  it('finds tasks by task_id and by external_task_id, in both readings', async () => {
    const { client, raw } = setup();
    const created = await client.tasks.create('omni', { prompt: 'x', external_task_id: 'order-7' });
    expect((await client.tasks.get('omni', { externalTaskId: 'order-7' })).task_id).toBe(created.task_id);
    const byPath = await raw('/v1/images/omni-image/order-7', bearer(await client.tokens.getToken()));
    expect(((await byPath.json()) as { data: { task_id: string } }).data.task_id).toBe(created.task_id);
    expect((await errorOf(client.tasks.get('generations', created.task_id))).code).toBe(1203);
  });

  it('refuses a duplicate external_task_id with a clear 1201', async () => {
    const { client } = setup();
    await client.tasks.create('generations', { prompt: 'x', external_task_id: 'dup' });
    const error = await errorOf(
      client.POST('/v1/images/generations', { body: { prompt: 'y', external_task_id: 'dup' } }),
    );
    expect(error.code).toBe(1201);
    expect(error.apiMessage).toMatch(
      /external_task_id: "dup" is already used by task \d+; it must be unique per account/,
    );
  });

  it('lists newest first with pageNum/pageSize and enforces their ranges', async () => {
    const { client } = setup({ limits: { concurrency: 100 } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await client.tasks.create('generations', { prompt: `p${i}` })).task_id);
    const page = await client.tasks.list('generations', { pageSize: 2 }).page(2);
    expect(page.map((task) => task.task_id)).toEqual([ids[2], ids[1]]);
    expect(ids.every((id) => /^\d{18}$/.test(id))).toBe(true);
    const error = await errorOf(
      client.GET('/v1/images/generations', { params: { query: { pageSize: 501 } } }),
    );
    expect(error).toMatchObject({ code: 1201, httpStatus: 400 });
    expect(error.apiMessage).toContain('pageSize: must be an integer from 1 to 500; got "501"');
  });
});

describe('authentication', () => {
  it.each([
    ['no header', undefined, 1001],
    ['not Bearer', 'Basic abc', 1002],
    ['garbage JWT', 'Bearer a.b.c', 1002],
    ['unknown API key', 'Bearer not-a-key', 1000],
  ])('refuses %s', async (_name, header, code) => {
    const { raw } = setup();
    const response = await raw(
      '/v1/images/generations',
      header ? { headers: { authorization: header } } : {},
    );
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: number }).code).toBe(code);
  });

  it('checks signature, issuer, algorithm and time window', async () => {
    const { raw } = setup();
    const cases: [string, Promise<string>, number][] = [
      ['wrong secret', token({ iss: 'demo-access-key', exp: now() + 600 }, 'wrong'), 1000],
      ['unknown iss', token({ iss: 'someone-else', exp: now() + 600 }), 1000],
      ['expired', token({ iss: 'demo-access-key', exp: now() - 60 }), 1004],
      ['not yet valid', token({ iss: 'demo-access-key', exp: now() + 600, nbf: now() + 60 }), 1003],
      ['HS512', token({ iss: 'demo-access-key', exp: now() + 600 }, 'demo-secret-key', 'HS512'), 1000],
      [
        'alg none',
        Promise.resolve(
          `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
            JSON.stringify({ iss: 'demo-access-key', exp: now() + 600 }),
          ).toString('base64url')}.`,
        ),
        1000,
      ],
    ];
    for (const [name, pending, code] of cases) {
      const response = await raw('/v1/images/generations', bearer(await pending));
      expect({
        name,
        status: response.status,
        code: ((await response.json()) as { code: number }).code,
      }).toEqual({
        name,
        status: 401,
        code,
      });
    }
  });

  it('refuses RS256 tokens and tampered payloads', async () => {
    const { raw } = setup();
    const { privateKey } = await generateKeyPair('RS256');
    const rs256 = await new SignJWT({ iss: 'demo-access-key', exp: now() + 600 })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(privateKey);
    const valid = await token({ iss: 'demo-access-key', exp: now() + 600 });
    const [header, , signature] = valid.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ iss: 'demo-access-key', exp: now() + 86_400 * 365 }),
    ).toString('base64url');
    for (const forged of [rs256, `${header}.${forgedPayload}.${signature}`]) {
      const response = await raw('/v1/images/generations', bearer(forged));
      expect(response.status).toBe(401);
      expect(((await response.json()) as { code: number }).code).toBe(1000);
    }
  });

  it('expires a cached token when real time passes exp (with 5 s leeway), whatever the mock clock says', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { mock, raw } = setup();
    const valid = await token({ iss: 'demo-access-key', exp: now() + 60 });
    const codeOf = async () =>
      ((await (await raw('/v1/images/generations', bearer(valid))).json()) as { code: number }).code;
    expect(await codeOf()).toBe(0);
    mock.advanceClock(120_000);
    expect(await codeOf()).toBe(0);
    vi.setSystemTime(Date.now() + 64_000);
    expect(await codeOf()).toBe(0);
    vi.setSystemTime(Date.now() + 2_000);
    expect(await codeOf()).toBe(1004);
  });

  it('accepts API keys and keeps accounts apart', async () => {
    const { mock } = setup({ accounts: [{ accessKey: 'a', secretKey: 'sa' }], apiKeys: ['key-b'] });
    const fetch = (request: Request) => mock.fetch(request);
    const a = createKlingClient({ accessKey: 'a', secretKey: 'sa', baseUrl: ORIGIN, fetch, maxRetries: 0 });
    const b = createKlingClient({ apiKey: 'key-b', baseUrl: ORIGIN, fetch, maxRetries: 0 });
    const mine = await a.tasks.create('generations', { prompt: 'secret', external_task_id: 'only-a' });
    expect((await errorOf(b.tasks.get('generations', mine.task_id))).code).toBe(1203);
    expect((await errorOf(b.tasks.get('generations', { externalTaskId: 'only-a' }))).code).toBe(1203);
    expect(await b.tasks.list('generations').page(1)).toEqual([]);
    expect(mock.tasks('api-key:key-b')).toEqual([]);
  });
});

describe('validation answers', () => {
  it('refuses unreadable requests with 1200 and bad fields with 1201 naming them', async () => {
    const { client, raw } = setup();
    const auth = (await client.tokens.getToken()) as string;
    const post = (body: string, type = 'application/json') =>
      raw('/v1/images/generations', {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${auth}`, 'content-type': type },
      });
    const answers = await Promise.all([
      post('{"prompt":'),
      post('prompt=x', 'text/plain'),
      post('{"prompt":"x","n":"9"}'),
    ]);
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as {
      code: number;
      message: string;
    }[];
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400]);
    expect(bodies.map((body) => body.code)).toEqual([1200, 1200, 1201]);
    expect(bodies[0]?.message).toContain('body is not valid JSON');
    expect(bodies[1]?.message).toContain('Content-Type must be application/json');
    expect(bodies[2]?.message).toBe('Invalid parameter n: must be an integer; got "9"');
  });

  it('answers an unknown model with 404 / 1203 and checks images deeply', async () => {
    const { client } = setup();
    const model = await errorOf(
      client.POST('/v1/images/generations', { body: { prompt: 'x', model_name: 'kling-v9' as never } }),
    );
    expect(model).toMatchObject({ httpStatus: 404, code: 1203 });
    const small = await errorOf(
      client.POST('/v1/images/generations', {
        body: { prompt: 'x', image: pngOf(100, 100).toString('base64') },
      }),
    );
    expect(small.apiMessage).toContain('image is 100x100 px; both sides must be at least 300 px');
  });

  it('answers unknown routes, wrong methods and oversized bodies with envelopes', async () => {
    const { client, raw } = setup({ maxBodyBytes: 1024 });
    const auth = bearer(await client.tokens.getToken());
    const unknown = await raw('/v1/videos/text2video', auth);
    const method = await raw('/v1/images/generations/123', { ...auth, method: 'POST', body: '{}' });
    const big = await raw('/v1/images/generations', {
      method: 'POST',
      headers: { ...auth.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x'.repeat(5000) }),
    });
    expect([unknown.status, method.status, big.status]).toEqual([404, 404, 413]);
    expect(((await method.json()) as { code: number }).code).toBe(1202);
    expect(((await big.json()) as { message: string }).message).toContain(
      "body exceeds the mock's limit of 1024 bytes",
    );
  });
});

describe('limits', () => {
  it('holds n slots per task until it ends (1303), then frees them', async () => {
    // Long timings: only advanceClock ends the first task, so its slots cannot free up by themselves.
    const { mock, client } = setup({
      limits: { concurrency: 4 },
      timings: { processingAfterMs: 30_000, processingMs: 30_000 },
    });
    await client.tasks.create('generations', { prompt: 'a', n: 3 });
    const over = await errorOf(client.tasks.create('generations', { prompt: 'b', n: 2 }, { maxRetries: 0 }));
    expect(over).toMatchObject({ httpStatus: 429, code: 1303, retryable: true });
    expect(over.apiMessage).toContain('3 of 4 slots in use, this task needs 2');
    mock.advanceClock(120_000);
    await expect(client.tasks.create('generations', { prompt: 'b', n: 2 })).resolves.toBeDefined();
  });

  it('spends a unit balance (1102 when empty) and rate-limits requests (1302)', async () => {
    const { client } = setup({ limits: { balance: 2, requestsPerSecond: 100 } });
    await client.tasks.create('generations', { prompt: 'a', n: 2 });
    expect(await errorOf(client.tasks.create('generations', { prompt: 'b' }))).toMatchObject({
      code: 1102,
      retryable: false,
    });

    // A balance of one account overrides the common one, and only for that account.
    const accounts = [
      { accessKey: 'rich', secretKey: 'rich-secret' },
      { accessKey: 'poor', secretKey: 'poor-secret' },
    ];
    const { mock } = setup({ accounts, limits: { balance: 10, balances: { poor: 1 } } });
    const as = (account: (typeof accounts)[number]) =>
      createKlingClient({ ...account, baseUrl: ORIGIN, fetch: (r) => mock.fetch(r), maxRetries: 0 });
    await as(accounts[1] as (typeof accounts)[number]).tasks.create('generations', { prompt: 'a' });
    expect(
      await errorOf(
        as(accounts[1] as (typeof accounts)[number]).tasks.create('generations', { prompt: 'b' }),
      ),
    ).toMatchObject({ code: 1102 });
    await as(accounts[0] as (typeof accounts)[number]).tasks.create('generations', { prompt: 'c', n: 9 });

    const { client: busy } = setup({ limits: { requestsPerSecond: 3 } });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => busy.GET('/v1/images/generations', {})),
    );
    expect(
      results
        .filter((result) => result.status === 'rejected')
        .map((r) => (r as PromiseRejectedResult).reason.code),
    ).toEqual([1302, 1302]);
  });
});

describe('faults', () => {
  it('injects 5xx and 429 answers, some 5xx after the task was created', async () => {
    const { mock, client } = setup({ faults: { serverErrorRate: 1, afterCreateShare: 1 } });
    const error = await errorOf(client.POST('/v1/images/generations', { body: { prompt: 'x' } }));
    expect([5000, 5001, 5002]).toContain(error.code);
    expect(mock.tasks()).toHaveLength(1);
    mock.configure({ faults: { serverErrorRate: 0, rateLimitRate: 1 } });
    expect((await errorOf(client.GET('/v1/images/generations', {}))).code).toBe(1302);
    mock.configure({ faults: { rateLimitRate: 0 } });
    await expect(client.GET('/v1/images/generations', {})).resolves.toBeDefined();
  });

  it('drops connections on demand: in process fetch rejects with a TypeError, some after the task was made', async () => {
    const { mock, client } = setup({ faults: { dropRate: 1, afterCreateShare: 1 } });
    const error = await client.POST('/v1/images/generations', { body: { prompt: 'x' } }).catch((e) => e);
    expect(error).toMatchObject({ name: 'KlingConnectionError' });
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(mock.tasks()).toHaveLength(1);
    mock.configure({ faults: { afterCreateShare: 0 } });
    await client.POST('/v1/images/generations', { body: { prompt: 'y' } }).catch(() => undefined);
    expect(mock.tasks()).toHaveLength(1);
    expect(() => mock.configure({ faults: { serverErrorRate: 0.5 } })).toThrow(
      'faults.serverErrorRate + rateLimitRate + dropRate must not exceed 1; got 1.5',
    );
  });

  it('turns any unexpected exception into a 500 / 5000 envelope without a stack', async () => {
    const { mock, client } = setup();
    const { images } = await client.tasks.generate('generations', { prompt: 'x' }, { pollIntervalMs: 5 });
    const write = vi.spyOn(PNG.prototype, 'pack').mockImplementation(() => {
      throw new Error('renderer exploded');
    });
    const response = await mock.fetch(new Request(images[0]?.url as string));
    write.mockRestore();
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ code: 5000, message: 'Internal server error' });
    expect(text).not.toMatch(/exploded|at .*\.ts/);
  });

  it('refuses impossible settings with a message naming them', () => {
    const { mock } = setup();
    expect(() => mock.configure({ timings: { processingMs: -1 } })).toThrow(
      'timings.processingMs must be a number from 0 to 86400000 (24 hours); got -1',
    );
    expect(() => mock.configure({ faults: { serverErrorRate: 2 } })).toThrow(
      'faults.serverErrorRate must be a number from 0 to 1; got 2',
    );
    expect(() => mock.configure({ limits: { concurrency: 0 } })).toThrow(
      'limits.concurrency must be a whole number from 1 to 1000000000; got 0',
    );
    expect(() => mock.configure({ limits: { balances: { 'demo-access-key': -1 } } })).toThrow(
      'limits.balances.demo-access-key must be a whole number from 0 to 9007199254740991; got -1',
    );
    expect(() => createMockServer({ maxTasks: 0 })).toThrow('maxTasks must be a whole number >= 1; got 0');
  });
});

describe('controls over HTTP', () => {
  it('reports what it holds against its bounds', async () => {
    const { client, raw } = setup({ maxTasks: 2, imageCacheSize: 1 });
    for (const prompt of ['a', 'b', 'c']) {
      const { images } = await client.tasks.generate('generations', { prompt }, { pollIntervalMs: 5 });
      await raw(new URL(images[0]?.url as string).pathname);
    }
    expect(await (await raw('/__mock/stats')).json()).toEqual({
      tasks: { stored: 2, limit: 2 },
      imageCache: { entries: 1, limit: 1 },
      callbacks: {
        recorded: 0,
        limit: 10_000,
        inFlight: 0,
        maxInFlight: 32,
        queued: 0,
        maxQueued: 10_000,
        dropped: 0,
      },
    });
  });

  it('resets, inspects, advances the clock and configures', async () => {
    const { client, raw } = setup();
    const post = (path: string, body?: string) =>
      raw(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined && { body }),
      });
    await client.tasks.create('generations', { prompt: 'x' });
    expect(((await (await raw('/__mock/tasks')).json()) as unknown[]).length).toBe(1);
    const clock = (await (await post('/__mock/clock', '{"advanceMs":5000}')).json()) as { now: number };
    expect(clock.now).toBeGreaterThan(Date.now() + 4000);
    const config = (await (
      await post('/__mock/config', '{"limits":{"concurrency":3},"profile":"realistic"}')
    ).json()) as { limits: { concurrency: number }; timings: { processingMs: number } };
    expect(config.limits.concurrency).toBe(3);
    expect(config.timings.processingMs).toBe(3000);
    expect((await post('/__mock/reset')).status).toBe(200);
    expect(await (await raw('/__mock/tasks')).json()).toEqual([]);
    const bad = await post('/__mock/clock', '{"advanceMs":-1}');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe(
      'advanceMs must be a whole number from 0 to 315360000000 (10 years); got -1',
    );
  });
});
