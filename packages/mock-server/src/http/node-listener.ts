import {
  createServer,
  type IncomingMessage,
  maxHeaderSize,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { CONTROL_RANGES } from '../controls/control-bounds.js';
import { createAnswerBatch, type FlushScheduler, LOOP_TURN_SCHEDULER } from './answer-batch.js';
import { failure } from './envelope.js';
import type { MockRequest, MockResponse } from './mock-request.js';

export interface ListenOptions {
  /** Default 0: a free port. */
  port?: number | undefined;
  /** Default 127.0.0.1: the mock is for this machine only unless asked otherwise. */
  host?: string | undefined;
  /**
   * Time a client has to send its request line and headers, in ms; then 408 and the connection closes.
   * Default 10 000: headers are a few hundred bytes, so only a stalled (slow-loris) client takes longer.
   */
  headersTimeoutMs?: number | undefined;
  /**
   * Time a client has to send its whole request, body included, in ms; then 408 and the connection closes.
   * Default 60 000: a 64 MiB body (the default `maxBodyBytes`) still arrives at about 9 Mbit/s.
   */
  requestTimeoutMs?: number | undefined;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The HTTP door: node:http straight into the mock's own request shape (no WHATWG objects on the hot path). */
export function createNodeListener(
  handle: (request: MockRequest) => MockResponse | Promise<MockResponse>,
  maxBodyBytes: number,
  /** When answers leave: batched per event-loop turn by default (see `answer-batch.ts`). */
  scheduler: FlushScheduler | undefined = LOOP_TURN_SCHEDULER,
) {
  let server: Server | undefined;
  /** The URL `listen` resolved with: the origin of requests whose Host header is missing or unusable. */
  let ownOrigin = 'http://localhost';

  const answers = createAnswerBatch(scheduler);

  const listener = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const answer = handle(new NodeRequest(incoming, maxBodyBytes, ownOrigin));
    // `handle` never rejects; should that promise ever break, the client still gets the platform's 5000.
    if (answer instanceof Promise) {
      answer.then(
        (settled) => answers.add(outgoing, settled),
        () => answers.add(outgoing, failure(500, 5000, 'Internal server error')),
      );
    } else answers.add(outgoing, answer);
  };

  return {
    async listen(options: ListenOptions = {}): Promise<string> {
      if (server) throw new Error('The mock server is already listening; close() it first.');
      const host = options.host ?? '127.0.0.1';
      const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
      const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      for (const [name, value] of [
        ['headersTimeoutMs', headersTimeout],
        ['requestTimeoutMs', requestTimeout],
      ] as const) {
        const { min, max } = CONTROL_RANGES.listenTimeoutMs;
        if (!Number.isInteger(value) || value < min || value > max)
          throw new RangeError(`${name} must be a whole number of ms from ${min} to ${max}; got ${value}`);
      }
      if (headersTimeout > requestTimeout) {
        throw new RangeError(
          `headersTimeoutMs (${headersTimeout}) must not exceed requestTimeoutMs (${requestTimeout}): the headers are part of the request`,
        );
      }
      const started = createServer({
        headersTimeout,
        requestTimeout,
        // node checks the two timeouts on this interval (30 s by default, which would stretch a 10 s limit
        // to 40 s): check often enough that a limit holds to within a fraction of itself.
        connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4))),
      });
      started.on('request', listener);
      started.keepAliveTimeout = 5000;
      started.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
        afterAnswers(socket, () => answerUnreadable(error, socket, { headersTimeout, requestTimeout })),
      );
      await new Promise<void>((resolve, reject) => {
        started.once('error', reject);
        started.listen(options.port ?? 0, host, () => {
          started.off('error', reject);
          resolve();
        });
      });
      server = started;
      const { port } = started.address() as AddressInfo;
      ownOrigin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      return ownOrigin;
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
 * Runs `then` once the connection has no answer in progress to a request that arrived whole: requests read
 * before an unreadable one on the same connection (pipelined) are answered first, a create included, whose
 * task exists by then. node keeps the answer in progress on the socket (`_httpMessage`, which its own
 * clientError handling reads too) and moves the next queued answer there when one finishes.
 */
function afterAnswers(socket: Duplex, then: () => void): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  // An answer whose request has not fully arrived is the refused request's own (a body that timed out):
  // it will never come, so the refusal goes out now.
  if (!inFlight || inFlight.writableFinished || !inFlight.req.complete) {
    then();
    return;
  }
  const next = () => {
    inFlight.off('finish', next);
    inFlight.off('close', next);
    afterAnswers(socket, then);
  };
  inFlight.on('finish', next);
  inFlight.on('close', next);
}

/**
 * Requests node's parser refuses (headers over its 16 KB limit, broken request lines) would get a bare
 * 400 or 431 without a body, and a client too slow to send its request a bare 408; answer them in the
 * platform envelope like every other unreadable request, then close the connection.
 */
function answerUnreadable(
  error: NodeJS.ErrnoException,
  socket: Duplex,
  limits: { headersTimeout: number; requestTimeout: number },
): void {
  // node itself also refrains from writing into an answer that has started; the door writes each answer
  // whole (writeHead and end at once) and has waited for those in progress, so whatever it sent is complete
  // and this one follows it.
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const reason = timedOut
    ? `Request timeout: the request did not arrive in time (headers within ${limits.headersTimeout} ms, the whole request within ${limits.requestTimeout} ms)`
    : error.code === 'HPE_HEADER_OVERFLOW'
      ? `Unreadable request: request headers exceed ${maxHeaderSize} bytes`
      : `Unreadable request: not a valid HTTP/1.1 request (${error.code ?? error.message})`;
  // 408 is HTTP's own answer to a request that never finished arriving; the spec's closest code is 1200.
  const answer = failure(timedOut ? 408 : 400, 1200, reason);
  const head = Object.entries({
    ...answer.headers,
    'content-length': Buffer.byteLength(answer.body),
    connection: 'close',
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  // Destroyed once written: the server allows half-open sockets, so a peer that never closes its side
  // would otherwise keep this one.
  socket.end(
    `HTTP/1.1 ${timedOut ? '408 Request Timeout' : '400 Bad Request'}\r\n${head}\r\n${answer.body}`,
    () => socket.destroy(),
  );
}

/**
 * node:http's request as a MockRequest. A class rather than an object literal: a literal with getters makes
 * a new hidden class per request, allocated in old space and holding the request's closures, so every
 * request's objects would survive young-generation collections (see tools/bench/README.md).
 * Query, headers and origin are computed only when a route asks; a query by id needs only one header.
 */
class NodeRequest implements MockRequest {
  readonly method: string;
  readonly path: string;
  private readonly search: string;
  private bodyRead: Promise<Buffer | undefined> | undefined;

  constructor(
    private readonly incoming: IncomingMessage,
    private readonly maxBodyBytes: number,
    private readonly fallbackOrigin: string,
  ) {
    const url = incoming.url ?? '/';
    const queryAt = url.indexOf('?');
    this.method = incoming.method ?? 'GET';
    this.path = queryAt === -1 ? url : url.slice(0, queryAt);
    this.search = queryAt === -1 ? '' : url.slice(queryAt + 1);
  }

  get query(): URLSearchParams {
    return new URLSearchParams(this.search);
  }

  header(name: string): string | null {
    return rawHeader(this.incoming.rawHeaders, name.toLowerCase());
  }

  body(limit = this.maxBodyBytes): Promise<Buffer | undefined> {
    this.bodyRead ??= readBody(this.incoming, limit);
    return this.bodyRead;
  }

  /**
   * From the Host header when it is one (a name or IP literal and an optional port), else the listen URL.
   * Tasks keep their origin for result URLs: a raw header would let one request store 16 KB per task.
   */
  get origin(): string {
    const host = rawHeader(this.incoming.rawHeaders, 'host');
    if (host === null || !HOST.test(host)) return this.fallbackOrigin;
    // Clients send the same Host again and again, and every task keeps its origin: one string for all.
    if (host !== lastHost) {
      lastHost = host;
      lastOrigin = `http://${host}`;
    }
    return lastOrigin;
  }
}

let lastHost = '';
let lastOrigin = '';

/** `name[:port]` or `[v6][:port]`, at most a DNS name's 253 characters plus a port. */
const HOST = /^(?=.{1,262}$)(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** A request header from node's raw list, repeated values joined as node would; `name` in lower case. */
function rawHeader(raw: string[], name: string): string | null {
  let value: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i] as string;
    // Most clients send their header names in lower case: compare as sent before lowering a copy.
    if (key === name || (key.length === name.length && key.toLowerCase() === name)) {
      value = value === null ? (raw[i + 1] as string) : `${value}, ${raw[i + 1]}`;
    }
  }
  return value;
}

function readBody(incoming: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  // From the raw list: `incoming.headers` would build node's whole header object for this one value.
  const declared = Number(rawHeader(incoming.rawHeaders, 'content-length') ?? 0);
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
    // A connection closed mid-body (a timeout, a client gone) may end with neither 'end' nor 'error':
    // settle anyway, or the request's closures would wait forever.
    incoming.on('close', () => {
      if (!incoming.complete) reject(new Error('the request was cut off before its body ended'));
    });
  });
}
