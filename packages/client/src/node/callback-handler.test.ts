import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParsedCallback } from '../callbacks/parse-callback.js';
import { createCallbackHandler } from './callback-handler.js';

const task = { task_id: 't1', task_status: 'processing', created_at: 1, updated_at: 2 };
let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (running) await new Promise((resolve) => running.close(resolve));
});

async function serve(handler: ReturnType<typeof createCallbackHandler>): Promise<string> {
  server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
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
    const post = (body: string) => fetch(url, { method: 'POST', body });
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
      Object.assign(Object.create(null), { method: 'POST', body: task }) as never,
      response as never,
    );
    expect(written.status).toBe(200);
    expect(received[0]?.task).toEqual(task);
  });
});
