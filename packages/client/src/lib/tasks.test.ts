import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KlingClientOptions } from '../core/client.js';
import { KlingApiError, KlingConnectionError } from '../core/errors.js';
import { createKlingClient } from '../kling-client.js';
import { KlingTaskFailedError, KlingWaitTimeoutError } from './task-errors.js';

/** A tiny in-memory task API behind an injected fetch, with switchable faults, to unit-test the workflows. */
function fakeApi(
  clientOptions: Pick<KlingClientOptions, 'maxRetries' | 'baseDelayMs' | 'maxDelayMs' | 'clock'> = {},
) {
  const tasks = new Map<string, Record<string, unknown>>();
  const requests: { method: string; url: URL; body?: Record<string, unknown> }[] = [];
  /** One entry per request, in order; `pass` answers normally. */
  const faults: ('drop-after-create' | 'drop' | '5000' | '1303' | 'missing' | 'pass')[] = [];
  let polls = 0;
  let seq = 0;
  const envelope = (data: unknown, code = 0, status = 200, message = 'SUCCEED') =>
    Response.json(
      { code, message, request_id: `req-${requests.length}`, ...(code === 0 && { data }) },
      { status },
    );

  const fetch = vi.fn(async (request: Request) => {
    const url = new URL(request.url);
    const body = request.method === 'POST' ? ((await request.json()) as Record<string, unknown>) : undefined;
    requests.push({ method: request.method, url, ...(body && { body }) });
    const fault = faults.shift();
    if (fault === 'drop') throw new TypeError('fetch failed');
    if (fault === '5000') return envelope(undefined, 5000, 500, 'internal error');
    if (fault === '1303') return envelope(undefined, 1303, 429, 'parallel task over resource pack limit');
    // A lookup that runs ahead of the platform's index: the task exists, the query does not show it yet.
    if (fault === 'missing') return envelope(undefined, 1203, 404, 'task not found');
    if (request.method === 'POST') {
      const external = body?.external_task_id as string;
      if (
        [...tasks.values()].some(
          (t) => (t.task_info as { external_task_id: string }).external_task_id === external,
        )
      ) {
        return envelope(undefined, 1201, 400, 'external_task_id already exists');
      }
      const task = {
        task_id: `t${++seq}`,
        task_status: 'submitted',
        task_status_msg: '',
        task_info: { external_task_id: external },
        created_at: 1,
        updated_at: 1,
        prompt: body?.prompt,
      };
      tasks.set(task.task_id, task);
      if (fault === 'drop-after-create') throw new TypeError('socket hang up');
      return envelope(task);
    }
    const byExternal = url.searchParams.get('external_task_id');
    if (byExternal) {
      const found = [...tasks.values()].filter(
        (t) => (t.task_info as { external_task_id: string }).external_task_id === byExternal,
      );
      return found.length ? envelope(found) : envelope(undefined, 1203, 404, 'task not found');
    }
    const id = url.pathname.split('/')[4];
    if (id) {
      const task = tasks.get(id);
      if (!task) return envelope(undefined, 1203, 404, 'task not found');
      polls++;
      const ended = polls >= 3;
      const failed = String(task.prompt).includes('[fail]');
      Object.assign(task, {
        task_status: ended ? (failed ? 'failed' : 'succeed') : 'processing',
        updated_at: polls,
        task_status_msg: ended && failed ? 'content policy' : '',
        ...(ended && !failed && { task_result: { images: [{ index: 0, url: 'https://img/0.png' }] } }),
      });
      return envelope(task);
    }
    const pageNum = Number(url.searchParams.get('pageNum') ?? 1);
    const pageSize = Number(url.searchParams.get('pageSize') ?? 30);
    const all = [...tasks.values()].reverse();
    return envelope(all.slice((pageNum - 1) * pageSize, pageNum * pageSize));
  });
  const client = createKlingClient({ apiKey: 'k', fetch, baseDelayMs: 1, maxDelayMs: 5, ...clientOptions });
  return { client, tasks, requests, faults, fetch };
}

const fast = { pollIntervalMs: 1, maxPollIntervalMs: 2 };

describe('tasks.create', () => {
  it('assigns an external_task_id when the caller gave none, and keeps a given one', async () => {
    const { client, requests } = fakeApi();
    await client.tasks.create('generations', { prompt: 'fox' });
    await client.tasks.create('omni', { prompt: 'fox', external_task_id: 'mine' });
    expect(requests[0]?.body?.external_task_id).toMatch(/^klingkit-[0-9a-f-]{36}$/);
    expect(requests[1]?.body?.external_task_id).toBe('mine');
    expect(requests[1]?.url.pathname).toBe('/v1/images/omni-image');
  });

  it('finds the task instead of creating it twice when the answer to a create was lost', async () => {
    const { client, tasks, faults } = fakeApi();
    faults.push('drop-after-create');
    const created = await client.tasks.create('generations', { prompt: 'fox' });
    expect(tasks.size).toBe(1);
    expect(created.task_id).toBe('t1');
  });

  it('creates again after an ambiguous failure when the lookup shows no task', async () => {
    const { client, tasks, faults, requests } = fakeApi();
    faults.push('drop');
    await client.tasks.create('generations', { prompt: 'fox' });
    expect(tasks.size).toBe(1);
    expect(requests.map((r) => r.method)).toEqual(['POST', 'GET', 'POST']);
  });

  it('retries a create the server rejected for concurrency (1303) and reports other 4xx at once', async () => {
    const { client, tasks, faults } = fakeApi();
    faults.push('1303', '1303');
    await client.tasks.create('generations', { prompt: 'fox' });
    expect(tasks.size).toBe(1);

    const { client: other, fetch } = fakeApi();
    await other.tasks.create('generations', { prompt: 'a', external_task_id: 'same' });
    await expect(
      other.tasks.create('generations', { prompt: 'b', external_task_id: 'same' }),
    ).rejects.toMatchObject({
      code: 1201,
    });
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('gives up after maxRetries ambiguous failures with the last error', async () => {
    const { client, faults } = fakeApi();
    faults.push('5000', '5000', '5000');
    const error = await client.tasks
      .create('generations', { prompt: 'fox' }, { maxRetries: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlingApiError);
    expect((error as KlingApiError).code).toBe(5000);
  });

  it('honours the client-wide maxRetries for ambiguous creates, not only a per-call one', async () => {
    // Regression: the create loop used the library default (2) whatever the client was configured with.
    const { client, tasks, faults, requests } = fakeApi({ maxRetries: 3 });
    faults.push('5000', 'pass', '5000', 'pass', '5000', 'pass');
    await client.tasks.create('generations', { prompt: 'fox' });
    expect(tasks.size).toBe(1);
    expect(requests.map((r) => r.method).join(' ')).toBe('POST GET POST GET POST GET POST');
  });
  it('spends one retry budget on resends after 1303 and after lost answers together', async () => {
    // One loop, one budget: with maxRetries 2, a 1303 and a lost answer leave no third resend.
    const { client, tasks, faults, requests } = fakeApi({ maxRetries: 2 });
    faults.push('1303', 'drop', 'pass', '5000', 'pass');
    const error = await client.tasks.create('generations', { prompt: 'fox' }).catch((e: unknown) => e);
    expect((error as KlingApiError).code).toBe(5000);
    expect(requests.map((r) => r.method).join(' ')).toBe('POST POST GET POST GET');
    expect(tasks.size).toBe(0);
  });

  it('finds the task when a resend after a lost answer is refused as a duplicate', async () => {
    // The first POST landed, the lookup ran ahead of the platform's index and found nothing, and the
    // resend meets "external_task_id already exists": one more lookup finds the task.
    const { client, tasks, faults, requests } = fakeApi();
    faults.push('drop-after-create', 'missing');
    const created = await client.tasks.create('generations', { prompt: 'fox' });
    expect(created.task_id).toBe('t1');
    expect(tasks.size).toBe(1);
    expect(requests.map((r) => r.method).join(' ')).toBe('POST GET POST GET');
  });
});

describe('a create resumed in another process', () => {
  it('finds the task by its own external_task_id after a crash, then waits for it: no second task', async () => {
    const { client, tasks, faults, fetch } = fakeApi();
    // The first process's create lands but its answer is lost, and so is the look-up: the call fails, as if
    // the process had died there.
    faults.push('drop-after-create', 'drop');
    await expect(
      client.tasks.create('generations', { prompt: 'fox', external_task_id: 'order-7' }, { maxRetries: 0 }),
    ).rejects.toBeInstanceOf(KlingConnectionError);
    // A new process (a new client) knows only the id it chose and stored before the call.
    const restarted = createKlingClient({ apiKey: 'k', fetch });
    const found = await restarted.tasks.get('generations', { externalTaskId: 'order-7' });
    const ended = await restarted.tasks.wait('generations', found.task_id, fast);
    expect(ended).toMatchObject({ task_status: 'succeed', task_info: { external_task_id: 'order-7' } });
    expect(tasks.size).toBe(1);
  });
});

describe('tasks.get', () => {
  it('selects by task id or by external id, tolerating data as an array', async () => {
    const { client } = fakeApi();
    await client.tasks.create('generations', { prompt: 'fox', external_task_id: 'order-1' });
    expect((await client.tasks.get('generations', 't1')).task_id).toBe('t1');
    expect((await client.tasks.get('generations', { externalTaskId: 'order-1' })).task_id).toBe('t1');
    await expect(client.tasks.get('generations', { externalTaskId: 'nope' })).rejects.toMatchObject({
      code: 1203,
    });
  });
});

describe('tasks.wait and tasks.generate', () => {
  it('polls until the task ends and reports each change', async () => {
    const { client } = fakeApi();
    const { task_id } = await client.tasks.create('generations', { prompt: 'fox' });
    const seen: string[] = [];
    const task = await client.tasks.wait('generations', task_id, {
      ...fast,
      onProgress: (t) => seen.push(t.task_status),
    });
    expect(task.task_status).toBe('succeed');
    expect(seen).toEqual(['processing', 'processing', 'succeed']);
  });

  it('generate returns the images, and throws a typed error carrying task_status_msg on failure', async () => {
    const { client } = fakeApi();
    const { images } = await client.tasks.generate('generations', { prompt: 'fox' }, fast);
    expect(images).toEqual([{ index: 0, url: 'https://img/0.png' }]);

    const { client: failing } = fakeApi();
    const error = await failing.tasks
      .generate('generations', { prompt: '[fail] fox' }, fast)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlingTaskFailedError);
    expect(error).toMatchObject({ reason: 'content policy', taskId: 't1' });
  });

  it('names the family on its task errors, so that a handler can narrow the task and resume a wait', async () => {
    const { client: failing } = fakeApi();
    const failed = await failing.tasks
      .generate('omni', { prompt: '[fail] boat' }, fast)
      .catch((e: unknown) => e);
    if (!(failed instanceof KlingTaskFailedError)) throw new Error('expected a KlingTaskFailedError');
    expect(failed.family).toBe('omni');
    expect(failed.task).toMatchObject({
      task_id: 't1',
      task_status: 'failed',
      task_status_msg: 'content policy',
    });

    const { client } = fakeApi();
    const { task_id } = await client.tasks.create('generations', { prompt: 'fox' });
    const timedOut = await client.tasks
      .wait('generations', task_id, { timeoutMs: 5, pollIntervalMs: 50 })
      .catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(KlingWaitTimeoutError);
    expect(timedOut).toMatchObject({ family: 'generations', taskId: task_id, lastStatus: 'processing' });
    // What the error names is enough to resume.
    const { family, taskId } = timedOut as KlingWaitTimeoutError;
    await expect(client.tasks.wait(family, taskId, fast)).resolves.toMatchObject({ task_status: 'succeed' });
  });

  it('never polls forever: a timeout and an abort both end the wait with typed errors', async () => {
    const { client } = fakeApi();
    const { task_id } = await client.tasks.create('generations', { prompt: 'fox' });
    await expect(
      client.tasks.wait('generations', task_id, { timeoutMs: 5, pollIntervalMs: 50 }),
    ).rejects.toBeInstanceOf(KlingWaitTimeoutError);
    const { client: other } = fakeApi();
    const second = await other.tasks.create('generations', { prompt: 'fox' });
    const controller = new AbortController();
    const waiting = other.tasks.wait('generations', second.task_id, {
      pollIntervalMs: 10_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 5);
    await expect(waiting).rejects.toMatchObject({ name: 'KlingAbortError' });
  });

  it('retries polls through network errors', async () => {
    const { client, faults } = fakeApi();
    const { task_id } = await client.tasks.create('generations', { prompt: 'fox' });
    faults.push('drop');
    await expect(client.tasks.wait('generations', task_id, fast)).resolves.toMatchObject({
      task_status: 'succeed',
    });
    faults.push('drop', 'drop', 'drop');
    await expect(client.tasks.get('generations', task_id)).rejects.toBeInstanceOf(KlingConnectionError);
  });
});

/** Time that moves only when the client sleeps on it, at once (what a mock server's clock gives a test). */
function virtualClock() {
  const start = Date.parse('2026-01-01T00:00:00Z');
  let now = start;
  const sleeps: number[] = [];
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { clock, sleeps, elapsed: () => now - start };
}

describe('a clock of the caller (the `clock` option, for tests)', { timeout: 5000 }, () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('polls and backs off on its time with the default intervals, awaiting no real timer', async () => {
    // Real timers never fire in this test: a wait or a backoff that slept for real would never end.
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    const time = virtualClock();
    const { client, faults, requests } = fakeApi({
      clock: time.clock,
      baseDelayMs: 1000,
      maxDelayMs: 30_000,
    });
    faults.push('1303'); // the create is refused once: its backoff runs on the clock too
    const { images } = await client.tasks.generate('generations', { prompt: 'fox' });
    expect(images).toHaveLength(1);
    expect(requests.map((request) => request.method)).toEqual(['POST', 'POST', 'GET', 'GET', 'GET']);
    const [backoff, firstPoll, secondPoll] = time.sleeps;
    expect(time.sleeps).toHaveLength(3);
    expect(backoff).toBeGreaterThanOrEqual(500); // baseDelayMs, half of it fixed
    expect(backoff).toBeLessThanOrEqual(1000);
    expect(firstPoll).toBeGreaterThanOrEqual(1600); // 2 s, +-20 %
    expect(firstPoll).toBeLessThanOrEqual(2400);
    expect(secondPoll).toBeGreaterThanOrEqual(2400); // grown by half
    expect(secondPoll).toBeLessThanOrEqual(3600);
  });

  it("times a wait out after timeoutMs of the clock's time, the last sleep cut to the deadline", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    const time = virtualClock();
    const fetch = vi.fn(async () =>
      Response.json({
        code: 0,
        message: 'SUCCEED',
        request_id: 'r',
        data: { task_id: 't1', task_status: 'processing' },
      }),
    );
    const client = createKlingClient({ apiKey: 'k', fetch, clock: time.clock });
    const error = await client.tasks
      .wait('generations', 't1', { timeoutMs: 60_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlingWaitTimeoutError);
    expect(error).toMatchObject({ taskId: 't1', lastStatus: 'processing' });
    expect(time.elapsed()).toBe(60_000);
    // A poll after every sleep but the last, which ended at the deadline: nothing was sent after it.
    expect(fetch).toHaveBeenCalledTimes(time.sleeps.length);
    // 2 s growing by half up to 15 s, with jitter: about eight polls fit in a minute.
    expect(time.sleeps.length).toBeGreaterThanOrEqual(6);
    expect(time.sleeps.length).toBeLessThanOrEqual(11);
  });
});

/** A hostile task API on 127.0.0.1: `answer` decides what each GET gets (or nothing at all). */
async function hostileApi(answer: (response: ServerResponse) => void) {
  const server = createServer((request, response) => {
    request.resume();
    answer(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/**
 * A client whose fetch notes when each request leaves, and a wait on it with the latest time its deadline
 * can be (the wait reads the clock once), so a test can show that nothing was sent after the deadline.
 */
async function timedWait(options: Parameters<typeof createKlingClient>[0], timeoutMs: number) {
  const sent: number[] = [];
  const client = createKlingClient({
    ...options,
    fetch: (request) => {
      sent.push(Date.now());
      return fetch(request);
    },
  });
  const waiting = client.tasks.wait('generations', 't1', { timeoutMs, pollIntervalMs: 10 });
  const latestDeadline = Date.now() + timeoutMs;
  const error = await waiting.catch((caught: unknown) => caught);
  return { error, sent, latestDeadline };
}

// Long enough for the unbounded behaviour to end on its own and fail the assertions, not the timeout.
describe('tasks.wait against a hostile server', { timeout: 15_000 }, () => {
  const errorBody = (code: number, status: number) => (response: ServerResponse) =>
    response
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ code, message: 'slow down', request_id: 'r' }));

  it('ends by its deadline when the server accepts and never answers, sending nothing after it', async () => {
    const baseUrl = await hostileApi(() => {});
    // Each attempt may take 2 s and is retried once: without a deadline that bounds them, a second request.
    const options = { apiKey: 'k', baseUrl, timeoutMs: 2000, maxRetries: 1, baseDelayMs: 50 };
    const { error, sent } = await timedWait(options, 300);
    expect(error).toBeInstanceOf(KlingWaitTimeoutError);
    expect(error).toMatchObject({ taskId: 't1', lastStatus: undefined });
    expect((error as Error).cause).toMatchObject({ name: 'KlingConnectionError', timedOut: true });
    expect(sent).toHaveLength(1);
  });

  it('does not start a backoff that would outlast the deadline when every poll is answered slowly with 5xx', async () => {
    const baseUrl = await hostileApi((response) => {
      setTimeout(() => errorBody(5001, 503)(response), 100);
    });
    const options = { apiKey: 'k', baseUrl, maxRetries: 3, baseDelayMs: 200 };
    const { error, sent, latestDeadline } = await timedWait(options, 500);
    expect(error).toBeInstanceOf(KlingWaitTimeoutError);
    expect((error as Error).cause).toMatchObject({ name: 'KlingApiError', code: 5001 });
    expect(sent.length).toBeGreaterThan(0);
    // Without the bound, backoffs of 200, 400 and 800 ms send the last retries well after the deadline.
    expect(sent.filter((at) => at >= latestDeadline)).toEqual([]);
  });

  it("does not sleep through a 429's Retry-After past the deadline", async () => {
    const baseUrl = await hostileApi((response) => {
      response.setHeader('retry-after', '3');
      errorBody(1302, 429)(response);
    });
    const options = { apiKey: 'k', baseUrl, maxRetries: 1, maxDelayMs: 3000 };
    const { error, sent } = await timedWait(options, 300);
    expect(error).toBeInstanceOf(KlingWaitTimeoutError);
    expect((error as Error).cause).toMatchObject({ name: 'KlingApiError', code: 1302 });
    // Sleeping the 3 s and retrying would have sent a second request.
    expect(sent).toHaveLength(1);
  });
});

describe('tasks.list', () => {
  it('walks pages until a short page, newest first', async () => {
    const { client, requests } = fakeApi();
    for (let i = 0; i < 5; i++) await client.tasks.create('generations', { prompt: `p${i}` });
    const ids: string[] = [];
    for await (const task of client.tasks.list('generations', { pageSize: 2 })) ids.push(task.task_id);
    expect(ids).toEqual(['t5', 't4', 't3', 't2', 't1']);
    expect(requests.filter((r) => r.method === 'GET').map((r) => r.url.searchParams.get('pageNum'))).toEqual([
      '1',
      '2',
      '3',
    ]);
  });

  it('stops at an empty page and validates its options', async () => {
    const { client } = fakeApi();
    for (let i = 0; i < 2; i++) await client.tasks.create('omni', { prompt: `p${i}` });
    const pages = [];
    for await (const page of client.tasks.list('omni', { pageSize: 2 }).pages()) pages.push(page.length);
    expect(pages).toEqual([2]);
    expect(() => client.tasks.list('omni', { pageSize: 501 })).toThrow(
      'pageSize must be an integer from 1 to 500; got 501',
    );
    await expect(client.tasks.list('omni').page(1001)).rejects.toThrow(
      /pageNum must be an integer from 1 to 1000/,
    );
  });
});
