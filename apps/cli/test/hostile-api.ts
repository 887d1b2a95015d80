import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the hostile server answers to one request: a JSON body, or a raw text body. */
export type Answer = { status?: number; json?: unknown; text?: string };

/**
 * A Kling API impostor on 127.0.0.1: each test decides what it answers (`handle`), and every request it
 * saw is recorded. 'stall-image' keeps a response open with half an image sent, as a file host gone
 * quiet; 'hang' never answers at all.
 */
export interface HostileApi {
  url: string;
  handle: (request: { method: string; path: string; body: string }) => Answer | 'stall-image' | 'hang';
  requests: string[];
  close(): Promise<void>;
}

/** PNG signature plus filler: enough bytes to start a file, never enough to finish one. */
const HALF_IMAGE = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(4096, 1),
]);

export async function startHostileApi(): Promise<HostileApi> {
  const stalled = new Set<ServerResponse>();
  const api: HostileApi = {
    url: '',
    handle: () => ({ status: 404, json: { code: 1203, message: 'no handler', request_id: 'r' } }),
    requests: [],
    close: async () => {
      for (const response of stalled) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    api.requests.push(`${method} ${path}`);
    const answer = api.handle({ method, path, body });
    if (answer === 'hang') {
      stalled.add(response);
      return;
    }
    if (answer === 'stall-image') {
      stalled.add(response);
      response.writeHead(200, {
        'content-type': 'image/png',
        'content-length': String(HALF_IMAGE.length * 2),
      });
      response.write(HALF_IMAGE);
      return;
    }
    const { status = 200, json, text } = answer;
    response.writeHead(status, {
      'content-type': text === undefined ? 'application/json' : 'text/plain',
    });
    response.end(text ?? JSON.stringify(json));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

/** The success envelope the platform wraps every answer in. */
export const envelope = (data: unknown) => ({ code: 0, message: 'SUCCEED', request_id: 'req-1', data });
