import type { MockRequest, MockResponse } from './mock-request.js';

/** The in-process door: a WHATWG fetch handler, usable directly as openapi-fetch's `fetch`. */
export function createFetchHandler(
  handle: (request: MockRequest) => MockResponse | Promise<MockResponse>,
  maxBodyBytes: number,
) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    let requestBody: Promise<Buffer | undefined> | undefined;
    const answer = await handle({
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      header: (name) => request.headers.get(name),
      body: (limit = maxBodyBytes) => {
        requestBody ??= readBody(request, limit);
        return requestBody;
      },
      origin: url.origin,
    });
    // What a real fetch does when the connection is reset before an answer: reject with a TypeError.
    if (answer.drop)
      throw new TypeError('fetch failed', { cause: new Error('connection dropped (injected fault)') });
    const nullBody = answer.status === 204 || answer.status === 304 || request.method === 'HEAD';
    const body = nullBody
      ? null
      : typeof answer.body === 'string'
        ? answer.body
        : new Uint8Array(answer.body);
    return new Response(body, { status: answer.status, headers: answer.headers });
  };
}

async function readBody(request: Request, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit || !request.body) return declared > limit ? undefined : Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
