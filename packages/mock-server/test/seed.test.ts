import { createServer, type Server } from 'node:http';
import { createKlingClient, type KlingClient } from '@klingkit/client';
import { conformingFetch, type Violation } from '@klingkit/spec/conformance';
import { describe, expect, it } from 'vitest';
import {
  createMockServer,
  type MockServer,
  type MockServerOptions,
  SeedError,
  type SeedTask,
} from '../src/index.js';
import { cleanupsAfterEach } from './fixtures/cleanups.js';
import { listenOnLoopback, type SendOptions, send } from './fixtures/loopback-http.js';

/**
 * Seeded state: tasks in any status, of any account, with ages, external ids and expired results, checked
 * like creates and against the spec's task schema, all or nothing; afterwards they behave like created ones.
 */

const DAY = 24 * 60 * 60 * 1000;
const ACCESS_KEY = 'ak-seed';
const SECRET_KEY = 'sk-seed-0123456789abcdef';
const API_KEY = 'apikey-seeded-0123456789SECRET';
const TOKEN = 'seed-control-token-0123456789';

const cleanups = cleanupsAfterEach();

function mockOf(options: MockServerOptions = {}): MockServer {
  const mock = createMockServer({
    accounts: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
    apiKeys: [API_KEY],
    ...options,
  });
  cleanups.push(() => mock.close());
  return mock;
}

/** A client of the key-pair account (or the API key) on the in-process door, every answer checked by the spec. */
function clientOf(
  mock: MockServer,
  violations: Violation[],
  credentials: 'key-pair' | 'api-key' = 'key-pair',
) {
  return createKlingClient({
    ...(credentials === 'key-pair' ? { accessKey: ACCESS_KEY, secretKey: SECRET_KEY } : { apiKey: API_KEY }),
    baseUrl: 'http://kling.mock',
    fetch: conformingFetch((request) => mock.fetch(request), violations),
    maxRetries: 0,
  });
}

const image = (mock: MockServer, url: string) => mock.fetch(new Request(url));

async function seedError(mock: MockServer, tasks: unknown): Promise<SeedError> {
  const error = await mock.seed(tasks as SeedTask[]).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SeedError);
  expect(error).toBeInstanceOf(RangeError);
  return error as SeedError;
}

describe('mock.seed', () => {
  it('seeds every status for key-pair and API-key accounts, shows API keys masked, and answers like created tasks', async () => {
    const mock = mockOf();
    const violations: Violation[] = [];
    const kling = clientOf(mock, violations);
    const byKey = clientOf(mock, violations, 'api-key');
    const seeded = await mock.seed([
      {
        account: ACCESS_KEY,
        request: { prompt: 'queued', external_task_id: 'queued-1' },
        task: { task_status: 'submitted' },
        processingInMs: DAY,
      },
      {
        account: ACCESS_KEY,
        request: { prompt: 'busy', n: 3 },
        task: { task_status: 'processing' },
        ageMs: 5_000,
        endsInMs: DAY,
      },
      {
        account: ACCESS_KEY,
        request: { prompt: 'done', n: 2, aspect_ratio: '1:1', watermark_info: { enabled: true } },
        task: { task_id: 'seeded-done' },
        ageMs: DAY,
      },
      {
        account: ACCESS_KEY,
        request: { prompt: 'refused later' },
        task: { task_status: 'failed', task_status_msg: 'Failure to pass the risk control system' },
      },
      {
        account: `api-key:${API_KEY}`,
        family: 'omni',
        request: { prompt: 'series', result_type: 'series', series_amount: 3 },
        expired: true,
      },
    ]);

    expect(seeded.map(({ task }) => task.task_status)).toEqual([
      'submitted',
      'processing',
      'succeed',
      'failed',
      'succeed',
    ]);
    expect(seeded.slice(0, 4).every(({ account }) => account === ACCESS_KEY)).toBe(true);
    expect(seeded[4]?.account).toMatch(/^api-key:ap…ET#[0-9a-f]{8}$/);
    expect(JSON.stringify(seeded)).not.toContain(API_KEY);
    expect(JSON.stringify(mock.tasks())).not.toContain(API_KEY);
    const [queued, busy, done, failed, expired] = seeded.map(({ task }) => task.task_id) as string[];

    expect(await kling.tasks.get('generations', { externalTaskId: 'queued-1' })).toMatchObject({
      task_id: queued,
      task_status: 'submitted',
    });
    expect(await kling.tasks.get('generations', busy as string)).toMatchObject({ task_status: 'processing' });
    const succeeded = await kling.tasks.get('generations', 'seeded-done');
    expect(done).toBe('seeded-done');
    expect(succeeded).toMatchObject({ task_status: 'succeed', final_unit_deduction: '2' });
    expect(succeeded.created_at).toBeLessThanOrEqual(mock.now() - DAY);
    const images = succeeded.task_result?.images ?? [];
    expect(images).toHaveLength(2);
    expect(images[1]?.watermark_url).toMatch(
      /^http:\/\/kling\.mock\/__mock\/images\/seeded-done\/1-watermark\.png$/,
    );
    const png = await image(mock, images[1]?.url as string);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(await kling.tasks.get('generations', failed as string)).toMatchObject({
      task_status: 'failed',
      task_status_msg: 'Failure to pass the risk control system',
      final_unit_deduction: '0',
    });

    // The API key's omni task: listed for that account only, succeeded, its results past retention.
    const omni = await byKey.tasks.get('omni', expired as string);
    expect(omni).toMatchObject({ task_status: 'succeed', task_result: { result_type: 'series' } });
    const series =
      omni.task_result && 'series_images' in omni.task_result ? omni.task_result.series_images : [];
    expect(series).toHaveLength(3);
    const gone = await image(mock, series?.[0]?.url as string);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('expired');
    await expect(byKey.tasks.get('generations', 'seeded-done')).rejects.toMatchObject({ code: 1203 });
    await expect(kling.tasks.get('omni', expired as string)).rejects.toMatchObject({ code: 1203 });
    expect(violations).toEqual([]);
  });

  it('lists seeded tasks by age among created ones, newest first, and moves running ones on with the clock', async () => {
    const mock = mockOf({ limits: { concurrency: 4 } });
    const violations: Violation[] = [];
    const kling = clientOf(mock, violations);
    const created = await kling.tasks.create('generations', { prompt: 'made now' });
    const halfHourAgo = mock.now() - 30 * 60 * 1000;
    const seeded = await mock.seed([
      { account: ACCESS_KEY, request: { prompt: 'two days' }, ageMs: 2 * DAY },
      { account: ACCESS_KEY, request: { prompt: 'half an hour' }, task: { created_at: halfHourAgo } },
      { account: ACCESS_KEY, request: { prompt: 'an hour' }, ageMs: 60 * 60 * 1000 },
      {
        account: ACCESS_KEY,
        request: { prompt: 'running', n: 3 },
        task: { task_status: 'processing' },
        ageMs: 10 * 60 * 1000,
        endsInMs: 60_000,
      },
    ]);
    const [twoDays, halfHour, hour, running] = seeded.map(({ task }) => task.task_id);
    expect(seeded[1]?.task.created_at).toBe(halfHourAgo);

    const listed = await kling.tasks.list('generations').page(1);
    expect(listed.map((task) => task.task_id)).toEqual([created.task_id, running, halfHour, hour, twoDays]);
    expect(mock.tasks().map(({ task }) => task.task_id)).toEqual([
      twoDays,
      hour,
      halfHour,
      running,
      created.task_id,
    ]);

    // The running task holds its 3 of the 4 slots like a created one, and ends on the mock clock.
    await expect(kling.tasks.create('generations', { prompt: 'one too many', n: 2 })).rejects.toMatchObject({
      code: 1303,
    });
    mock.advanceClock(59_000);
    expect(await kling.tasks.get('generations', running as string)).toMatchObject({
      task_status: 'processing',
    });
    mock.advanceClock(1_000);
    const ended = await kling.tasks.get('generations', running as string);
    expect(ended).toMatchObject({ task_status: 'succeed' });
    expect((await image(mock, ended.task_result?.images?.[2]?.url as string)).status).toBe(200);
    await kling.tasks.create('generations', { prompt: 'fits now', n: 2 });
    expect(violations).toEqual([]);
  });

  it('refuses external ids the account already uses, in the store or in the same seed, and adds nothing', async () => {
    const mock = mockOf();
    const kling = clientOf(mock, []);
    const created = await kling.tasks.create('generations', { prompt: 'x', external_task_id: 'ext-1' });

    const clash = await seedError(mock, [
      { account: ACCESS_KEY, request: { prompt: 'fine', external_task_id: 'ext-2' } },
      { account: ACCESS_KEY, family: 'omni', request: { prompt: 'clash', external_task_id: 'ext-1' } },
    ]);
    expect(clash.field).toBe('tasks[1].request.external_task_id');
    expect(clash.index).toBe(1);
    expect(clash.message).toBe(
      `tasks[1].request.external_task_id "ext-1" is already used by task ${created.task_id} of this account; it must be unique per account`,
    );
    const twice = await seedError(mock, [
      { account: ACCESS_KEY, request: { prompt: 'a', external_task_id: 'ext-3' } },
      { account: ACCESS_KEY, request: { prompt: 'b', external_task_id: 'ext-3' } },
    ]);
    expect(twice.message).toContain('"ext-3" is already used by tasks[0] of this account');
    const sameId = await seedError(mock, [
      { account: ACCESS_KEY, request: { prompt: 'a' }, task: { task_id: created.task_id } },
    ]);
    expect(sameId.field).toBe('tasks[0].task.task_id');
    // All or nothing: the entries before the refused one were not added either.
    expect(mock.tasks()).toHaveLength(1);

    // Unique per account: another account may use the same external id.
    await mock.seed([
      { account: `api-key:${API_KEY}`, request: { prompt: 'other', external_task_id: 'ext-1' } },
    ]);
    expect(mock.tasks()).toHaveLength(2);
  });

  it('names the entry and the field of every refused value, and what is allowed', async () => {
    const mock = mockOf();
    const inFuture = mock.now() + 60 * 60 * 1000;
    const cases: [entry: Record<string, unknown>, field: string, says: string][] = [
      [
        { request: { prompt: 'x', n: 12 } },
        'tasks[0].request.n',
        'Invalid parameter n: must be from 1 to 9; got 12',
      ],
      [{ request: {} }, 'tasks[0].request.prompt', 'Missing required parameter prompt'],
      [
        { family: 'omni', request: { prompt: 'x', result_type: 'series', n: 2 } },
        'tasks[0].request.n',
        "n applies only when result_type is 'single'",
      ],
      [{ request: { prompt: 'x', model_name: 'kling-v9' } }, 'tasks[0].request.model_name', 'does not exist'],
      [{ request: 'prompt' }, 'tasks[0].request', 'must be an object'],
      [
        { request: { prompt: 'x' }, task: { task_status: 'done' } },
        'tasks[0].task.task_status',
        'must be one of submitted, processing, succeed, failed; got "done"',
      ],
      [
        { request: { prompt: 'x' }, task: { task_id: '../etc' } },
        'tasks[0].task.task_id',
        'must match ^[A-Za-z0-9_+/=-]{1,128}$',
      ],
      [
        { request: { prompt: 'x' }, task: { task_status: 'failed', task_status_msg: 'x'.repeat(5000) } },
        'tasks[0].task.task_status_msg',
        'must NOT have more than 4096 characters',
      ],
      [
        { request: { prompt: 'x' }, task: { created_at: 'yesterday' } },
        'tasks[0].task.created_at',
        'must be an integer',
      ],
      [
        { request: { prompt: 'x' }, task: { created_at: inFuture } },
        'tasks[0].task.created_at',
        'seeded tasks are created in the past',
      ],
      [
        { request: { prompt: 'x' }, task: { created_at: 1000, updated_at: 5 } },
        'tasks[0].task.updated_at',
        "must be from the task's created_at",
      ],
      [
        { request: { prompt: 'x' }, task: { extra: 1 } },
        'tasks[0].task',
        'has no field "extra"; allowed: task_id, task_status',
      ],
      [
        { request: { prompt: 'x' }, task: { task_status_msg: 'why?' } },
        'tasks[0].task.task_status_msg',
        'is for failed tasks only',
      ],
      [
        { request: { prompt: 'x' }, task: { task_status: 'failed' }, expired: true },
        'tasks[0].expired',
        'applies only to succeeded tasks',
      ],
      [
        { request: { prompt: 'x' }, expired: true, ageMs: 60_000 },
        'tasks[0].expired',
        'more than the retention period (2592000000 ms) ago',
      ],
      [{ request: { prompt: 'x' }, expired: 'yes' }, 'tasks[0].expired', 'must be true or false'],
      [
        { request: { prompt: 'x' }, ageMs: -1 },
        'tasks[0].ageMs',
        'must be a whole number from 0 to 315360000000 (10 years); got -1',
      ],
      [{ request: { prompt: 'x' }, ageMs: Number.POSITIVE_INFINITY }, 'tasks[0].ageMs', 'got Infinity'],
      [
        { request: { prompt: 'x' }, ageMs: 1, task: { created_at: 1 } },
        'tasks[0].ageMs',
        'and task.created_at both give the creation time',
      ],
      [{ request: { prompt: 'x' }, endsInMs: 5 }, 'tasks[0].endsInMs', 'applies only to running tasks'],
      [
        { request: { prompt: 'x' }, task: { task_status: 'processing' }, processingInMs: 5 },
        'tasks[0].processingInMs',
        'applies only to submitted tasks',
      ],
      [
        { request: { prompt: 'x' }, task: { task_status: 'submitted' }, processingInMs: 5, endsInMs: 4 },
        'tasks[0].endsInMs',
        'must not come before processingInMs (5)',
      ],
      [{ request: { prompt: 'x' }, family: 'video' }, 'tasks[0].family', 'must be one of generations, omni'],
      [{ request: { prompt: 'x' }, colour: 'red' }, 'tasks[0]', 'has no field "colour"'],
      [{ request: { prompt: 'x' }, account: 'nobody' }, 'tasks[0].account', 'is not an account of this mock'],
      [
        { request: { prompt: 'x' }, account: undefined },
        'tasks[0].account',
        'is needed: the mock has 2 accounts',
      ],
      [
        {
          request: { prompt: 'x', callback_url: 'http://127.0.0.1:9/__mock/reset' },
          task: { task_status: 'processing' },
        },
        'tasks[0].request.callback_url',
        'must not point at the mock',
      ],
    ];
    for (const [entry, field, says] of cases) {
      const tasks = [
        { account: ACCESS_KEY, request: { prompt: 'fine' } },
        { account: ACCESS_KEY, ...entry },
      ];
      const error = await seedError(mock, tasks);
      const atOne = field.replace('tasks[0]', 'tasks[1]');
      expect({ field: error.field, index: error.index }).toEqual({ field: atOne, index: 1 });
      expect(error.message.startsWith(atOne)).toBe(true);
      expect(error.message).toContain(says);
    }
    const unknown = await seedError(mock, [{ account: `api-key:not-${API_KEY}`, request: { prompt: 'x' } }]);
    expect(unknown.message).toMatch(
      /^tasks\[0\]\.account api-key:no…ET#[0-9a-f]{8} is not an account of this mock \(accounts: ak-seed, api-key:ap…ET#[0-9a-f]{8}\)$/,
    );
    expect((await seedError(mock, { tasks: [] })).message).toBe(
      'tasks must be an array of seed entries; got an object',
    );
    expect(mock.tasks()).toEqual([]);
  });

  it('counts against maxTasks and takes slots and units like a create', async () => {
    const mock = mockOf({ maxTasks: 3, limits: { balance: 5 } });
    const kling = clientOf(mock, []);
    const running = {
      account: ACCESS_KEY,
      request: { prompt: 'r', n: 2 },
      task: { task_status: 'processing' as const },
    };
    await mock.seed([running, running]);
    const full = await seedError(mock, [running, { account: ACCESS_KEY, request: { prompt: 'ended' } }]);
    expect(full.message).toBe(
      'tasks: 2 tasks do not fit: the mock holds at most 3 (maxTasks) and 2 of its tasks still run, which are never forgotten',
    );
    // The two running tasks spent 4 of the 5 units: a third needs 2, and nothing is reserved by the refusal.
    const broke = await seedError(mock, [running]);
    expect(broke.message).toBe('tasks[0]: Account balance not enough: 1 units left, 2 needed');
    await expect(kling.tasks.create('generations', { prompt: 'c', n: 2 })).rejects.toMatchObject({
      code: 1102,
    });
    await mock.seed([{ account: ACCESS_KEY, request: { prompt: 'history', n: 9 } }]);
    expect(mock.stats().tasks.stored).toBe(3);
  });

  it('calls back on the later changes of a running seeded task, never for the seeded state', async () => {
    const bodies: { task_id: string; task_status: string }[] = [];
    const receiver: Server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk) => {
        text += chunk;
      });
      request.on('end', () => {
        bodies.push(JSON.parse(text));
        response.writeHead(200).end();
      });
    });
    const hook = `http://127.0.0.1:${await listenOnLoopback(receiver, cleanups)}/hook`;
    const mock = mockOf();
    const [running] = await mock.seed([
      {
        account: ACCESS_KEY,
        request: { prompt: 'later', callback_url: hook },
        task: { task_status: 'processing' },
        endsInMs: 1_000,
      },
      { account: ACCESS_KEY, request: { prompt: 'history', callback_url: hook } },
      {
        account: ACCESS_KEY,
        request: { prompt: 'gone', callback_url: hook },
        task: { task_status: 'failed' },
      },
    ]);
    await mock.callbacksIdle();
    expect(bodies).toEqual([]);
    mock.advanceClock(1_000);
    await mock.callbacksIdle();
    expect(bodies.map(({ task_id, task_status }) => [task_id, task_status])).toEqual([
      [running?.task.task_id, 'succeed'],
    ]);
  });
});

/** Every request to the seed control is a POST, its body sent as given. */
const post = (url: string, options: SendOptions) => send(url, { method: 'POST', ...options });

describe('POST /__mock/seed', () => {
  it('follows the control access rules, answers 400 naming the entry and field, and takes bodies up to 16 MiB', async () => {
    const mock = mockOf({ controlToken: TOKEN });
    const base = await mock.listen();
    const seed = `${base}/__mock/seed`;
    const json = { 'content-type': 'application/json' };
    const token = { 'x-kling-mock-token': TOKEN };
    const one = JSON.stringify({
      tasks: [{ account: `api-key:${API_KEY}`, request: { prompt: 'over http' } }],
    });

    expect((await post(seed, { headers: json, body: one })).status).toBe(401);
    expect(
      (await post(seed, { headers: { ...json, ...token, origin: 'http://evil.example' }, body: one })).status,
    ).toBe(403);
    expect(
      (await post(seed, { headers: { ...json, ...token, host: 'evil.example' }, body: one })).status,
    ).toBe(403);
    expect(
      (await post(seed, { headers: { 'content-type': 'text/plain', ...token }, body: one })).status,
    ).toBe(415);
    expect(mock.tasks()).toEqual([]);

    const accepted = await post(seed, { headers: { ...json, ...token }, body: one });
    expect(accepted.status).toBe(200);
    expect(accepted.body).not.toContain(API_KEY);
    const { tasks } = JSON.parse(accepted.body) as {
      tasks: { account: string; task: { task_status: string } }[];
    };
    expect(tasks).toMatchObject([
      { account: expect.stringMatching(/^api-key:ap…ET#/), task: { task_status: 'succeed' } },
    ]);

    const refused = await post(seed, {
      headers: { ...json, ...token },
      body: JSON.stringify({
        tasks: [
          { account: ACCESS_KEY, request: { prompt: 'x' } },
          { account: ACCESS_KEY, request: { prompt: 'x', n: 0 } },
        ],
      }),
    });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({
      error: 'tasks[1].request.n: Invalid parameter n: must be from 1 to 9; got 0',
      index: 1,
      field: 'tasks[1].request.n',
    });
    const wrongShape = await post(seed, {
      headers: { ...json, ...token },
      body: JSON.stringify([{ request: {} }]),
    });
    expect(wrongShape.status).toBe(400);

    // Over the other controls' 1 MiB: 1,000 tasks with 2,000-character prompts, about 2 MB.
    const many = Array.from({ length: 1000 }, (_, i) => ({
      account: ACCESS_KEY,
      request: { prompt: `${i} ${'p'.repeat(2000)}` },
      ageMs: i,
    }));
    const large = JSON.stringify({ tasks: many });
    expect(large.length).toBeGreaterThan(2 * 1024 * 1024 - 100_000);
    const big = await post(seed, { headers: { ...json, ...token }, body: large });
    expect(big.status).toBe(200);
    expect(mock.stats().tasks.stored).toBe(1001);
    // The same body is still too large for any other control.
    const config = await post(`${base}/__mock/config`, {
      headers: { ...json, ...token, 'content-length': String(large.length) },
      body: '{',
    });
    expect(config.status).toBe(413);

    // Past 16 MiB: refused from its content-length, before it is read, and the connection closed.
    const huge = await post(seed, {
      headers: { ...json, ...token, 'content-length': String(16 * 1024 * 1024 + 1) },
      body: '{',
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.connection).toBe('close');
    expect(JSON.parse(huge.body).error).toBe(
      'Mock control bodies are limited to 16777216 bytes (16 MiB for /__mock/seed); this one is larger',
    );
    const kling: KlingClient = createKlingClient({ apiKey: API_KEY, baseUrl: base, maxRetries: 0 });
    expect(await kling.tasks.list('generations').page(1)).toHaveLength(1);
  });
});
