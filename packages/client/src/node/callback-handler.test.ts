import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { KlingCallbackError, ParsedCallback } from '../callbacks/parse-callback.js';
import { createKlingClient } from '../kling-client.js';
import { createCallbackHandler } from './callback-handler.js';

const task = { task_id: 't1', task_status: 'processing', created_at: 1, updated_at: 2 };
/** Every server a test started (receivers and fake Kling APIs), stopped after it. */
const servers: Server[] = [];
afterEach(async () => {
  for (const each of servers.splice(0)) {
    each.closeAllConnections();
    await new Promise((resolve) => each.close(resolve));
  }
});

async function serve(handler: ReturnType<typeof createCallbackHandler>): Promise<string> {
  const server = createServer((request, response) => void handler(request, response));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/kling`;
}

describe('createCallbackHandler', () => {
  it('hands valid deliveries to onTask and answers 200', async () => {
    const received: ParsedCallback[] = [];
    const url = await serve(createCallbackHandler({ onTask: (callback) => void received.push(callback) }));
    const response = await fetch(url, {
      method: 'POST',
      body: JSON.stringify(task),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(received).toEqual([{ family: 'generations', task }]);
  });

  it('answers 400 for invalid bodies, 405 for other methods, 413 when too large, 500 when onTask fails', async () => {
    const errors: unknown[] = [];
    let fail = false;
    const url = await serve(
      createCallbackHandler({
        maxBodyBytes: 1024,
        onTask: () => {
          if (fail) throw new Error('database down');
        },
        onError: (error) => errors.push(error),
      }),
    );
    const post = (body: string) =>
      fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const statuses = [
      (await post('{"task_id": 1}')).status,
      (await fetch(url)).status,
      (await post('x'.repeat(5000))).status,
    ];
    fail = true;
    statuses.push((await post(JSON.stringify(task))).status);
    expect(statuses).toEqual([400, 405, 413, 500]);
    expect(errors).toHaveLength(3);
  });

  it('uses a body a framework already parsed', async () => {
    const received: ParsedCallback[] = [];
    const handler = createCallbackHandler({ onTask: (callback) => void received.push(callback) });
    const written: { status?: number } = {};
    const response = {
      writeHead: (status: number) => {
        written.status = status;
      },
      end: () => {},
    };
    await handler(
      Object.assign(Object.create(null), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: task,
      }) as never,
      response as never,
    );
    expect(written.status).toBe(200);
    expect(received[0]?.task).toEqual(task);
  });
});

/** A raw HTTP exchange: writes `head` (and whatever `body` is given), then reads until the server closes. */
function rawExchange(url: string, head: string, body = ''): Promise<{ text: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(Number(port), hostname, () => socket.write(`${head}\r\n\r\n${body}`));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    // A guard against hanging, not the measure: a handler that never answers fails the assertions.
    const guard = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, 3000);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve({ text, closed: true });
    });
    socket.on('error', () => {});
  });
}

describe('createCallbackHandler against hostile senders', () => {
  const json = { 'content-type': 'application/json' };

  it('refuses bodies that are not JSON with 415, so a web page cannot post a delivery', async () => {
    const received: ParsedCallback[] = [];
    const errors: KlingCallbackError[] = [];
    const url = await serve(
      createCallbackHandler({
        onTask: (callback) => void received.push(callback),
        onError: (error) => errors.push(error as KlingCallbackError),
      }),
    );
    const body = JSON.stringify(task);
    // What a page may send without asking: text/plain, a form, or a Blob without a type (no content-type).
    const statuses = [
      (await fetch(url, { method: 'POST', body })).status,
      (await fetch(url, { method: 'POST', body: new URLSearchParams({ body }) })).status,
      (await fetch(url, { method: 'POST', body: new Blob([body]) })).status,
    ];
    expect(statuses).toEqual([415, 415, 415]);
    expect(received).toEqual([]);
    expect(errors.map((error) => error.reason)).toEqual(['content-type', 'content-type', 'content-type']);
    const charset = { 'content-type': 'application/json; charset=utf-8' };
    expect((await fetch(url, { method: 'POST', body, headers: charset })).status).toBe(200);
    expect(received).toHaveLength(1);

    // For a sender known to post JSON under another type, the check can be turned off.
    const lenient = await serve(
      createCallbackHandler({
        acceptAnyContentType: true,
        onTask: (callback) => void received.push(callback),
      }),
    );
    expect((await fetch(lenient, { method: 'POST', body })).status).toBe(200);
    expect(received).toHaveLength(2);
  });

  it('answers 408 and closes the connection when the body never finishes', async () => {
    const errors: KlingCallbackError[] = [];
    const url = await serve(
      createCallbackHandler({
        bodyTimeoutMs: 200,
        onTask: () => {
          throw new Error('not reached');
        },
        onError: (error) => errors.push(error as KlingCallbackError),
      }),
    );
    const head = `POST /kling HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100`;
    const { text, closed } = await rawExchange(url, head, '{"task_id":');
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(closed).toBe(true);
    expect(errors.map((error) => error.reason)).toEqual(['timeout']);
  });

  it('refuses a declared oversize body with 413 without waiting for it, and closes the connection', async () => {
    const url = await serve(createCallbackHandler({ maxBodyBytes: 1024, onTask: () => {} }));
    const head = `POST /kling HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000000`;
    const { text, closed } = await rawExchange(url, head);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(closed).toBe(true);
    // Without a declared length, it stops reading once the limit is passed.
    const chunked = `POST /kling HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`;
    const streamed = await rawExchange(url, chunked, `800\r\n${' '.repeat(2048)}\r\n`);
    expect(streamed.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(streamed.closed).toBe(true);
  });

  it('answers a 1 MiB invalid body with a short message, and tells onError the same', async () => {
    const errors: KlingCallbackError[] = [];
    const url = await serve(
      createCallbackHandler({
        onTask: () => {},
        onError: (error) => errors.push(error as KlingCallbackError),
      }),
    );
    const images = Array.from({ length: 30_000 }, () => ({ index: -1, url: 'javascript:x' }));
    const body = JSON.stringify({ ...task, task_result: { images } });
    expect(body.length).toBeGreaterThan(900_000);
    const response = await fetch(url, { method: 'POST', body, headers: json });
    const answer = await response.text();
    expect(response.status).toBe(400);
    expect(answer.length).toBeLessThan(2000);
    expect(answer).toContain('more');
    expect(errors[0]?.message.length).toBeLessThan(2000);
  });
});

describe('createCallbackHandler({ verify })', () => {
  const apiTask = {
    ...task,
    task_status: 'succeed',
    updated_at: 9,
    task_result: { images: [{ index: 0, url: 'https://cdn.example/0.png' }] },
  };

  /** A Kling API on 127.0.0.1 that knows `known` tasks per family path, or fails every query with `failWith`. */
  async function api(known: Record<string, object>, failWith?: number) {
    const queries: string[] = [];
    const apiServer = createServer((request, response) => {
      const path = request.url ?? '';
      queries.push(path);
      const reply = (status: number, body: object) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (failWith) return reply(500, { code: failWith, message: 'internal error', request_id: 'r' });
      const found = known[path];
      if (!found) return reply(404, { code: 1203, message: 'task not found', request_id: 'r' });
      reply(200, { code: 0, message: 'SUCCEED', request_id: 'r', data: found });
    });
    await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
    servers.push(apiServer);
    const baseUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
    return { kling: createKlingClient({ apiKey: 'k', baseUrl, maxRetries: 0 }), queries };
  }

  async function deliver(verify: Awaited<ReturnType<typeof api>>['kling'], body: object) {
    const received: ParsedCallback[] = [];
    const errors: unknown[] = [];
    const url = await serve(
      createCallbackHandler({
        verify,
        onTask: (callback) => void received.push(callback),
        onError: (error) => errors.push(error),
      }),
    );
    const response = await fetch(url, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    return { status: response.status, received, errors };
  }

  it('hands onTask the task as the API has it, not as it was posted', async () => {
    const { kling } = await api({ '/v1/images/generations/t1': apiTask });
    const posted = {
      ...task,
      task_status: 'succeed',
      task_result: { images: [{ index: 0, url: 'https://evil.example/x.png' }] },
    };
    const { status, received } = await deliver(kling, posted);
    expect(status).toBe(200);
    expect(received).toEqual([{ family: 'generations', task: apiTask }]);
  });

  it('refuses a delivery for a task the account does not have with 404, asking both families', async () => {
    const { kling, queries } = await api({});
    const { status, received, errors } = await deliver(kling, task);
    expect(status).toBe(404);
    expect(received).toEqual([]);
    expect(errors).toMatchObject([{ name: 'KlingCallbackError', reason: 'unknown-task' }]);
    expect(queries).toEqual(['/v1/images/generations/t1', '/v1/images/omni-image/t1']);
  });

  it('finds an Omni-Image task posted before it has a result', async () => {
    const omniTask = {
      ...apiTask,
      task_result: { result_type: 'single', images: apiTask.task_result.images },
    };
    const { kling } = await api({ '/v1/images/omni-image/t1': omniTask });
    const { status, received } = await deliver(kling, task);
    expect(status).toBe(200);
    expect(received).toEqual([{ family: 'omni', task: omniTask }]);
  });

  it('does not take another task the lookup resolved the id to (an external_task_id) for the posted one', async () => {
    const { kling } = await api({ '/v1/images/generations/t1': { ...apiTask, task_id: 'someone-else' } });
    const { status, received } = await deliver(kling, task);
    expect(status).toBe(404);
    expect(received).toEqual([]);
  });

  it('answers 503 when the API cannot be asked, so that the sender tries again', async () => {
    const { kling } = await api({}, 5000);
    const { status, received, errors } = await deliver(kling, task);
    expect(status).toBe(503);
    expect(received).toEqual([]);
    expect(errors).toMatchObject([{ reason: 'unverified', cause: { name: 'KlingApiError', code: 5000 } }]);
  });
});
