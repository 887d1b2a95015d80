import { createServer, type IncomingMessage, maxHeaderSize, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { failure } from './envelope.js';
import type { MockRequest, MockResponse } from './mock-request.js';

export interface ListenOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1: the mock is for this machine only unless asked otherwise. */
  host?: string;
}

/** The HTTP door: node:http straight into the mock's own request shape (no WHATWG objects on the hot path). */
export function createNodeListener(
  handle: (request: MockRequest) => Promise<MockResponse>,
  maxBodyBytes: number,
) {
  let server: Server | undefined;

  const listener = (incoming: IncomingMessage, outgoing: import('node:http').ServerResponse) => {
    const url = incoming.url ?? '/';
    const queryAt = url.indexOf('?');
    let body: Promise<Buffer | undefined> | undefined;
    const request: MockRequest = {
      method: incoming.method ?? 'GET',
      path: queryAt === -1 ? url : url.slice(0, queryAt),
      query: new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)),
      header(name) {
        const value = incoming.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : (value ?? null);
      },
      body: () => {
        body ??= readBody(incoming, maxBodyBytes);
        return body;
      },
      origin: `http://${incoming.headers.host ?? 'localhost'}`,
    };
    handle(request).then(
      (answer) => {
        if (answer.drop) {
          outgoing.socket?.destroy();
          return;
        }
        // A known length avoids chunked encoding, so headers and body leave in one write instead of a
        // writev of four buffers (the largest cost of a query in a profile under load).
        outgoing.setHeader('content-length', Buffer.byteLength(answer.body));
        // An over-long body is left unread: close the connection instead of draining it.
        if (answer.status === 413) outgoing.setHeader('connection', 'close');
        outgoing.writeHead(answer.status, answer.headers);
        outgoing.end(answer.body);
      },
      () => {
        outgoing.writeHead(500, { 'content-type': 'application/json' });
        outgoing.end('{"code":5000,"message":"Internal server error","request_id":""}');
      },
    );
  };

  return {
    async listen(options: ListenOptions = {}): Promise<string> {
      if (server) throw new Error('The mock server is already listening; close() it first.');
      const host = options.host ?? '127.0.0.1';
      const started = createServer(listener);
      started.keepAliveTimeout = 5000;
      started.on('clientError', answerUnreadable);
      await new Promise<void>((resolve, reject) => {
        started.once('error', reject);
        started.listen(options.port ?? 0, host, () => {
          started.off('error', reject);
          resolve();
        });
      });
      server = started;
      const { port } = started.address() as AddressInfo;
      return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    },
    /** Stops accepting, lets in-flight requests finish, then drops idle keep-alive connections. */
    async close(): Promise<void> {
      const closing = server;
      server = undefined;
      if (!closing) return;
      // Connections that finish their last request become idle later: keep closing idle ones until done,
      // or keep-alive clients would hold the shutdown for the whole keep-alive timeout.
      const sweep = setInterval(() => closing.closeIdleConnections(), 25);
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeIdleConnections();
      });
      clearInterval(sweep);
    },
  };
}

/**
 * Requests node's parser refuses (headers over its 16 KB limit, broken request lines) would get a bare
 * 400 or 431 without a body; answer them in the platform envelope like every other unreadable request.
 */
function answerUnreadable(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const reason =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? `request headers exceed ${maxHeaderSize} bytes`
      : `not a valid HTTP/1.1 request (${error.code ?? error.message})`;
  const answer = failure(400, 1200, `Unreadable request: ${reason}`);
  const head = Object.entries({
    ...answer.headers,
    'content-length': Buffer.byteLength(answer.body),
    connection: 'close',
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 400 Bad Request\r\n${head}\r\n${answer.body}`);
}

function readBody(incoming: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(incoming.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        incoming.removeAllListeners('data');
        incoming.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    incoming.on('end', () => resolve(Buffer.concat(chunks)));
    incoming.on('error', reject);
  });
}
