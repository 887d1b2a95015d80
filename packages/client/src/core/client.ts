import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from '../generated/schema.js';
import { createTokenProvider, type KlingCredentials, type TokenProvider } from './auth.js';
import { KlingApiError } from './errors.js';

/** The hosts the platform serves the API from. */
export const KLING_SERVERS = {
  /** Current global endpoint (replaced api.klingai.com). The default. */
  singapore: 'https://api-singapore.klingai.com',
  /** Mainland China endpoint. */
  beijing: 'https://api-beijing.klingai.com',
  /** Legacy global endpoint, still answered for older clients. */
  legacy: 'https://api.klingai.com',
} as const;

export type KlingClientOptions = KlingCredentials & {
  /** API origin; default {@link KLING_SERVERS.singapore}. Point it at a mock server in tests. */
  baseUrl?: string;
  /** A WHATWG fetch, e.g. a mock server's in-process handler. Default: the global `fetch`. */
  fetch?: (request: Request) => Promise<Response>;
  /** Extra headers sent with every request. */
  headers?: ClientOptions['headers'];
};

/**
 * The typed client for all six image operations. Calls resolve only on success (`code === 0`);
 * every non-success rejects with a {@link KlingApiError}, so `data` is the success envelope.
 */
export type KlingClient = Pick<Client<paths>, 'GET' | 'POST' | 'use' | 'eject'> & {
  /** The credentials in use; exposed so helpers can share the cached token. */
  readonly tokens: TokenProvider;
};

/** Codes the client cures itself by signing a fresh token and sending the request once more. */
const RESIGN_CODES = new Set([1003, 1004]);

export function createKlingClient(options: KlingClientOptions): KlingClient {
  const tokens = createTokenProvider(options);
  const raw = createClient<paths>({
    baseUrl: (options.baseUrl ?? KLING_SERVERS.singapore).replace(/\/+$/, ''),
    ...(options.fetch && { fetch: options.fetch }),
    ...(options.headers && { headers: options.headers }),
  });
  raw.use({
    async onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${await tokens.getToken()}`);
      return request;
    },
  });

  type Sent = { data?: unknown; error?: unknown; response: Response };
  const send = async (attempt: () => Promise<Sent>) => {
    let result = await attempt();
    if (RESIGN_CODES.has(businessCode(result.error) ?? -1)) {
      tokens.invalidate();
      result = await attempt();
    }
    return ensureSuccess(result);
  };

  // Wrapping the two verbs (instead of a middleware that re-reads the body) keeps one JSON parse per call.
  const GET = ((path: never, init: never) => send(() => raw.GET(path, init))) as Client<paths>['GET'];
  const POST = ((path: never, init: never) => send(() => raw.POST(path, init))) as Client<paths>['POST'];
  return { GET, POST, use: raw.use, eject: raw.eject, tokens };
}

function ensureSuccess<T extends { data?: unknown; error?: unknown; response: Response }>(result: T): T {
  const { response } = result;
  const body = response.ok ? result.data : result.error;
  const code = businessCode(body);
  if (response.ok && (code === 0 || code === undefined)) return result;
  const envelope = (typeof body === 'object' && body !== null ? body : {}) as { message?: unknown; request_id?: unknown };
  throw new KlingApiError({
    httpStatus: response.status,
    code,
    message: typeof envelope.message === 'string' ? envelope.message : typeof body === 'string' ? body.slice(0, 200) : '',
    requestId: typeof envelope.request_id === 'string' ? envelope.request_id : undefined,
    body,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  });
}

function businessCode(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const code = (body as { code?: unknown }).code;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

/** `Retry-After` holds either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
