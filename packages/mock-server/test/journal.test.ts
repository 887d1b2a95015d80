import type { ImageGenerationCreateRequest } from '@klingkit/client';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createMockServer, type JournalEntry } from '../src/index.js';
import { pngOf } from './fixtures/images.js';
import { inProcessMocks } from './fixtures/in-process.js';
import { send } from './fixtures/loopback-http.js';

const API_KEY = 'apikey-journal-0123456789abcdefSECRET';
// Every API answer of every test conforms to the spec (status declared, body valid).
const setup = inProcessMocks();

/** GET over a fresh connection, with the headers given (node:http sends a Host header of our choice). */
const get = (url: string, headers: Record<string, string> = {}) => send(url, { headers });

describe('the request journal', () => {
  it('records every API request in order: operation, route, account, typed body, answer, task and mock time', async () => {
    const { mock, client } = setup();
    const before = mock.now();
    const { task } = await client.tasks.generate(
      'generations',
      { prompt: 'a red fox', n: 2, aspect_ratio: '1:1', external_task_id: 'fox-1' },
      { pollIntervalMs: 5 },
    );
    const after = mock.now();
    const entries = mock.requests();
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(entries[0]).toEqual({
      sequence: 1,
      at: expect.any(Number),
      operation: 'createImageGenerationTask',
      family: 'generations',
      method: 'POST',
      path: '/v1/images/generations',
      query: null,
      account: 'demo-access-key',
      body: { prompt: 'a red fox', n: 2, aspect_ratio: '1:1', external_task_id: 'fox-1' },
      status: 200,
      code: 0,
      taskId: task.task_id,
    });
    for (const poll of entries.slice(1)) {
      expect(poll).toMatchObject({
        operation: 'getImageGenerationTask',
        method: 'GET',
        path: `/v1/images/generations/${task.task_id}`,
        body: null,
        status: 200,
        code: 0,
        taskId: task.task_id,
      });
    }
    expect(entries.map((entry) => entry.sequence)).toEqual(entries.map((_, index) => index + 1));
    const times = entries.map((entry) => entry.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(before);
    expect(times.at(-1)).toBeLessThanOrEqual(after);

    // Typed by the spec: an accepted create's body is the create request of its operation.
    const [first] = entries as [JournalEntry];
    if (first.operation === 'createImageGenerationTask' && first.code === 0) {
      expectTypeOf(first.body).toEqualTypeOf<ImageGenerationCreateRequest>();
      expect(first.body.prompt).toBe('a red fox');
    } else expect.fail('the first entry is the accepted create');
  });

  it('shows a list query and the task a get by external_task_id found', async () => {
    const { mock, client } = setup();
    const created = await client.tasks.create('omni', { prompt: 'a boat', external_task_id: 'boat-1' });
    await client.tasks.get('omni', { externalTaskId: 'boat-1' });
    await client.tasks.get('omni', 'boat-1');
    await client.tasks.list('omni', { pageSize: 3 }).page(2);
    expect(mock.requests({ since: 1 })).toMatchObject([
      {
        operation: 'listOmniImageTasks',
        query: { external_task_id: 'boat-1' },
        taskId: created.task_id,
      },
      { operation: 'getOmniImageTask', path: '/v1/images/omni-image/boat-1', taskId: created.task_id },
      { operation: 'listOmniImageTasks', query: { pageNum: '2', pageSize: '3' }, taskId: null },
    ]);
  });

  it('records early refusals (credentials, rate limit, injected fault) and shows accounts without secrets', async () => {
    // Frozen time: the two requests of the rate-limit check fall in one mock-clock second.
    vi.useFakeTimers({ toFake: ['Date'] });
    const { mock, client, raw } = setup({ apiKeys: [API_KEY], limits: { requestsPerSecond: 2 } });
    await client.tasks.create('generations', { prompt: 'a fox' });
    const label = mock.tasks()[0]?.account as string;
    expect(label).toMatch(/^api-key:ap…ET#[0-9a-f]{8}$/);
    await raw('/v1/images/generations/1');
    await raw('/v1/images/generations/1', { headers: { authorization: `Bearer ${API_KEY}` } });
    await raw('/v1/images/generations/1', { headers: { authorization: `Bearer ${API_KEY}` } });
    mock.injectError(1304);
    await raw('/v1/images/generations/1', { headers: { authorization: `Bearer ${API_KEY}` } });
    await raw('/nowhere');
    expect(
      mock.requests().map(({ operation, account, status, code }) => ({ operation, account, status, code })),
    ).toEqual([
      { operation: 'createImageGenerationTask', account: label, status: 200, code: 0 },
      { operation: 'getImageGenerationTask', account: null, status: 401, code: 1001 },
      { operation: 'getImageGenerationTask', account: label, status: 404, code: 1203 },
      { operation: 'getImageGenerationTask', account: label, status: 429, code: 1302 },
      { operation: 'getImageGenerationTask', account: null, status: 429, code: 1304 },
      { operation: null, account: null, status: 404, code: 1203 },
    ]);
    expect(mock.requests({ account: label })).toHaveLength(3);
    expect(mock.requests({ account: `api-key:${API_KEY}` })).toHaveLength(3);
    expect(JSON.stringify(mock.requests())).not.toContain(API_KEY);
  });

  it('shows Base64 images shortened, and holds none of their bytes', async () => {
    const { mock, client } = setup();
    const image = pngOf(400, 400).toString('base64');
    await client.tasks.create('omni', { prompt: 'like <<<image_1>>>', image_list: [{ image }] });
    const [entry] = mock.requests();
    expect(entry?.body).toEqual({
      prompt: 'like <<<image_1>>>',
      image_list: [{ image: `<base64 png ${Buffer.from(image, 'base64').length} bytes>` }],
      external_task_id: expect.any(String),
    });
    expect(JSON.stringify(mock.requests()).length).toBeLessThan(1000);
  });

  it('is bounded by journalSize, cleared by reset(), and refuses a size out of range', async () => {
    const { mock, raw } = setup({ journalSize: 2 });
    for (const id of ['a', 'b', 'c']) await raw(`/v1/images/omni-image/${id}`);
    expect(mock.requests().map((entry) => [entry.sequence, entry.taskId])).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
    mock.reset();
    expect(mock.requests()).toEqual([]);
    await raw('/v1/images/omni-image/d');
    expect(mock.requests().map((entry) => [entry.sequence, entry.taskId])).toEqual([[1, 'd']]);
    expect(() => createMockServer({ journalSize: 100_001 })).toThrow(
      'journalSize must be a whole number from 0 to 100000; got 100001',
    );
    expect(() => createMockServer({ journalSize: 1.5 })).toThrow(RangeError);
  });
});

describe('GET /__mock/requests', () => {
  it('answers the journal with query filters, refuses bad filters with 400 naming them, and shows no key', async () => {
    const { mock, client } = setup({ apiKeys: [API_KEY] });
    const base = await mock.listen({ port: 0 });
    await client.tasks.create('omni', { prompt: 'a boat' });
    await client.tasks.create('generations', { prompt: 'a fox' });
    mock.injectError(1303, { operation: 'create' });
    await client.tasks.create('omni', { prompt: 'another boat' }).catch(() => undefined);

    const answer = await get(`${base}/__mock/requests?operation=create&family=omni`);
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain(API_KEY);
    const entries = JSON.parse(answer.body) as JournalEntry[];
    expect(entries.map(({ sequence, code }) => ({ sequence, code }))).toEqual([
      { sequence: 1, code: 0 },
      { sequence: 3, code: 1303 },
    ]);
    expect(JSON.parse((await get(`${base}/__mock/requests?code=1303`)).body)).toEqual(
      mock.requests({ code: 1303 }),
    );
    expect(JSON.parse((await get(`${base}/__mock/requests?since=2&status=429`)).body)).toHaveLength(1);

    const refusals: [string, string][] = [
      [
        '?verb=GET',
        'GET /__mock/requests has no query parameter "verb"; allowed: operation, family, account, status, code, since',
      ],
      ['?status=4O4', 'query parameter status must be a whole number in decimal digits; got "4O4"'],
      ['?code=1303&code=1302', 'query parameter "code" appears twice'],
      ['?operation=poll', 'operation must be an operationId'],
      ['?status=600', 'status must be a whole number from 0 to 599; got 600'],
    ];
    for (const [query, message] of refusals) {
      const refused = await get(`${base}/__mock/requests${query}`);
      expect(refused.status, query).toBe(400);
      expect(JSON.parse(refused.body).error).toContain(message);
    }
  });

  it('follows the controls: no page on another origin reads it, and a set token is needed', async () => {
    const { mock, client } = setup({ controlToken: 'journal-token-0123456789' });
    const base = await mock.listen({ port: 0 });
    await client.tasks.create('omni', { prompt: 'a private prompt' });
    const fromPage = await get(`${base}/__mock/requests`, {
      origin: 'http://evil.example',
      'x-kling-mock-token': 'journal-token-0123456789',
    });
    expect(fromPage.status).toBe(403);
    const rebound = await get(`${base}/__mock/requests`, {
      host: `evil.example:${new URL(base).port}`,
      'x-kling-mock-token': 'journal-token-0123456789',
    });
    expect(rebound.status).toBe(403);
    const noToken = await get(`${base}/__mock/requests`);
    expect(noToken.status).toBe(401);
    for (const refused of [fromPage, rebound, noToken])
      expect(refused.body).not.toContain('a private prompt');
    const allowed = await get(`${base}/__mock/requests`, {
      'x-kling-mock-token': 'journal-token-0123456789',
    });
    expect(JSON.parse(allowed.body)[0]?.body?.prompt).toBe('a private prompt');
  });
});
