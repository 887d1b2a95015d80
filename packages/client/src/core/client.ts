import createClient, {
  type Client,
  type ClientOptions,
  type FetchResponse,
  type MaybeOptionalInit,
  type Middleware,
} from 'openapi-fetch';
import type { paths } from '../generated/schema.js';
import { createTokenProvider, type KlingCredentials, type TokenProvider } from './auth.js';
import { abortError, sleep, withDeadline } from './deadline.js';
import { KlingApiError, KlingConnectionError } from './errors.js';
import type { Resolved } from './options.js';
import type { RetryOptions, RetryState } from './retry.js';

/** The hosts the platform serves the API from. */
export const KLING_SERVERS = {
  /** Current global endpoint (replaced api.klingai.com). The default. */
  singapore: 'https://api-singapore.klingai.com',
  /** Mainland China endpoint. */
  beijing: 'https://api-beijing.klingai.com',
  /** Legacy global endpoint, still answered for older clients. */
  legacy: 'https://api.klingai.com',
} as const;

/** Receives the client's diagnostics (retries, re-signing); e.g. `console` or a pino/winston logger. */
export interface KlingLogger {
  debug(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
}

/** Settings that can be given client-wide and overridden per call. */
export interface RequestOptions extends RetryOptions {
  /** Per-request timeout (one HTTP exchange, not a whole wait). Default 60 000 ms; 0 disables it. */
  timeoutMs?: number | undefined;
  /** Cancels the call, including any backoff wait. */
  signal?: AbortSignal | undefined;
}

/** The settings a client gives every call unless the call says otherwise; `withOptions()` changes them. */
export type ClientDefaults = Omit<RequestOptions, 'signal'>;

/** Credentials (one of three kinds, never mixed) and the client's settings. */
export type KlingClientOptions = KlingCredentials &
  ClientDefaults & {
    /** API origin; default {@link KLING_SERVERS.singapore}. Point it at a mock server in tests. */
    baseUrl?: string | undefined;
    /**
     * A WHATWG fetch, e.g. a mock server's in-process handler. Default: the global `fetch`, looked up at each
     * request, so that one installed later (MSW's `server.listen()`, a test's spy) is used too.
     */
    fetch?: ((request: Request) => Promise<Response>) | undefined;
    /** Extra headers sent with every request. */
    headers?: ClientOptions['headers'] | undefined;
    logger?: KlingLogger | undefined;
    /**
     * For tests: the time the client waits on (poll intervals, retry backoff, `wait`'s deadline), e.g. a mock
     * server's clock, so that a wait takes no real time. Default: real time and timers. Per-request
     * timeouts and token lifetimes always run on real time.
     */
    clock?: KlingClock | undefined;
  };

/** The time `tasks.wait` and retries run on; see the `clock` option. */
export interface KlingClock {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with a KlingAbortError as soon as `signal` fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

type RawClient = Client<paths>;
type Sent = { data?: unknown; error?: unknown; response: Response };

type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
// As openapi-fetch words them: the paths that take a method, and an init argument that is optional only when
// nothing in it is required.
type PathsWithMethod<Paths, M extends HttpMethod> = {
  [P in keyof Paths]: Paths[P] extends { [K in M]: unknown } ? P : never;
}[keyof Paths];
// biome-ignore lint/complexity/noBannedTypes: `{}` extends a Pick exactly when its key is optional.
type RequiredKeysOfHelper<T> = { [K in keyof T]: {} extends Pick<T, K> ? never : K }[keyof T];
type RequiredKeysOf<T> = RequiredKeysOfHelper<T> extends undefined ? never : RequiredKeysOfHelper<T>;
type InitParam<Init> =
  RequiredKeysOf<Init> extends never
    ? [(Init & { [key: string]: unknown })?]
    : [Init & { [key: string]: unknown }];
/** openapi-fetch's result without its error branch. */
type Answered<Operation, Init> =
  Operation extends Record<string | number, unknown>
    ? Extract<FetchResponse<Operation, Init, `${string}/${string}`>, { data: unknown }>
    : never;

/**
 * A typed verb: openapi-fetch's, except that it resolves only with a success, so `data` is always the
 * success envelope (every other answer rejects with a KlingApiError).
 */
export type KlingVerb<M extends 'get' | 'post'> = <
  Path extends PathsWithMethod<paths, M>,
  Init extends MaybeOptionalInit<paths[Path], M>,
>(
  url: Path,
  ...init: InitParam<Init>
) => Promise<Answered<paths[Path][M], Init>>;

/** The init openapi-fetch takes with a path template of the spec, to fill it in. */
export type OperationInit = {
  params?: { path?: Record<string, unknown>; query?: object };
  body?: object;
  headers?: Record<string, string>;
  signal?: AbortSignal;
};

/**
 * A time by which a whole call ends, retries and backoff included: no attempt starts after it, none outlasts it,
 * and no backoff that would outlast it is started. `tasks.wait` gives one to each poll.
 */
export interface CallDeadline {
  /** Milliseconds since the epoch on the client's clock. */
  at: number;
  /** What the call rejects with when the deadline stops it; `cause` is the failure it stopped retrying. */
  expire(cause?: unknown): Error;
}

/** Sends one operation with auth repair, timeout and retries; shared by the raw verbs and the workflows. */
export interface Transport {
  readonly clock: KlingClock;
  /**
   * `method` decides what a retry may assume: a GET is resent after any retryable failure, a POST (which
   * may have made a task already) only when the server certainly rejected it (1302/1303). `recover`
   * makes a create safe to resend after an attempt that may have landed (no answer, or 5xx): it finds what
   * that attempt made, or resolves undefined when it made nothing, so sending again cannot bill twice.
   * Resends (after lost answers and after 1302/1303 alike) draw on the call's one retry budget; each lookup
   * is a query with retries of its own. What to do after each failure is `decideRetry`'s to say.
   */
  send<R = never>(
    method: 'GET' | 'POST',
    path: string,
    init: OperationInit | undefined,
    options?: RequestOptions & { deadline?: CallDeadline },
    recover?: () => Promise<R | undefined>,
  ): Promise<Sent | R>;
}

/**
 * The typed verbs for all six image operations. Calls resolve only on success (`code === 0`);
 * every non-success rejects with a {@link KlingApiError}, so `data` is the success envelope.
 * GETs are retried on retryable failures; POSTs only when the server certainly rejected them
 * (1302/1303), because a create that failed ambiguously may have made a task (see `tasks.create`).
 */
export interface BaseClient {
  GET: KlingVerb<'get'>;
  POST: KlingVerb<'post'>;
  /** Adds openapi-fetch middleware (`onRequest`, `onResponse`, `onError`) to every request. */
  use(...middleware: Middleware[]): void;
  eject(...middleware: Middleware[]): void;
  /** The credentials in use. */
  readonly tokens: TokenProvider;
}

/** What the clients derived from one `createKlingClient` share: connection, middleware, token cache, clock. */
export interface ClientCore {
  raw: RawClient;
  tokens: TokenProvider;
  baseUrl: string;
  logger: KlingLogger | undefined;
  clock: KlingClock;
}

export type Settings = Resolved<ClientDefaults>;
export const DEFAULT_SETTINGS: Settings = {
  maxRetries: 2,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  timeoutMs: 60_000,
};

/** Checks the options and makes what every client derived from them shares. */
export function createClientCore(options: KlingClientOptions): ClientCore {
  const tokens = createTokenProvider(options);
  const baseUrl = (options.baseUrl ?? KLING_SERVERS.singapore).replace(/\/+$/, '');
  const raw = createClient<paths>({
    baseUrl,
    // openapi-fetch keeps the fetch it is given; looking the global one up per request lets a fetch installed
    // after the client was made (MSW, a test's spy) answer.
    fetch: options.fetch ?? ((request: Request) => fetch(request)),
    // Left undefined, openapi-fetch sends no extra headers (it skips a missing header set); its type does not
    // say so under exactOptionalPropertyTypes, and a conditional spread would cost the browser entry bytes.
    headers: options.headers as NonNullable<ClientOptions['headers']>,
  });
  return { raw, tokens, baseUrl, logger: options.logger, clock: options.clock ?? { now: Date.now, sleep } };
}

/** The send loop of a client with `defaults`. */
export function createTransport(core: ClientCore, defaults: Settings): Transport {
  const { raw, tokens, clock } = core;
  return {
    clock,
    async send(method, path, init, callOptions, recover) {
      const settings = callOptions ? resolveSettings(defaults, callOptions) : defaults;
      // The raw verbs carry the caller's signal in their init, the workflows in their options.
      const signal = callOptions?.signal ?? init?.signal;
      // Without a deadline, `at` never comes (and a backoff that could never end gives up with its error).
      const { at = Infinity, expire = (cause?: unknown) => cause } = callOptions?.deadline ?? {};
      // Filled in by the failure path, should an attempt fail.
      const state = {} as RetryState;
      let token: string | undefined;
      for (;;) {
        // No attempt starts after the call's deadline, and none outlasts it.
        const left = at - clock.now();
        if (left <= 0) throw expire();
        try {
          // A header per attempt, not a middleware: openapi-fetch's middleware path costs more than the
          // client, and a re-signed token must replace the rejected one. The caller's own headers stay.
          token = tokens.peek() ?? (await tokens.getToken());
          const attempt: OperationInit = {
            ...init,
            headers: { ...init?.headers, Authorization: `Bearer ${token}` },
          };
          // Only when there is one: an attempt without a signal carries no `signal` key (tools/bench/README.md).
          if (signal) attempt.signal = signal;
          // Typed callers reach this through the verbs; the workflows' paths are checked by their own maps.
          const sent = (raw[method] as (path: string, init: object) => Promise<Sent>)(path, attempt);
          return ensureSuccess(await withDeadline(sent, Math.min(settings.timeoutMs || left, left)));
        } catch (caught) {
          if (signal?.aborted) throw abortError(signal);
          // What failed and what to do next are the failure path's (./failure.js), loaded now: a page whose
          // requests succeed never downloads it. When it cannot load (a flaky network), the call fails with
          // what it failed with, not with the chunk's error, and is not retried.
          const found = await import('./failure.js').then(
            (failure) =>
              failure.afterFailure(
                caught,
                state,
                KlingApiError,
                KlingConnectionError,
                core,
                settings,
                method,
                path,
                init,
                token,
                at,
                expire,
                signal,
                recover,
              ),
            () => {
              throw caught instanceof KlingApiError
                ? caught
                : new KlingConnectionError(`${method} request failed`, {
                    cause: caught,
                    timedOut: caught instanceof KlingConnectionError && caught.timedOut,
                    method,
                  });
            },
          );
          // The lost attempt had landed: its task is the answer.
          if (found !== undefined) return found;
        }
      }
    },
  };
}

/** The verbs of a client whose calls go through `transport`. */
export function createVerbs(core: ClientCore, transport: Transport): BaseClient {
  // Wrapping the two verbs (instead of a middleware that re-reads the body) keeps one JSON parse per call.
  // openapi-fetch's verbs are generic over path literals; the wrappers only forward, so their own
  // signatures are erased here and the public type is KlingVerb's.
  const GET = ((path: string, init?: OperationInit) =>
    transport.send('GET', path, init)) as unknown as KlingVerb<'get'>;
  const POST = ((path: string, init?: OperationInit) =>
    transport.send('POST', path, init)) as unknown as KlingVerb<'post'>;
  return { GET, POST, use: core.raw.use, eject: core.raw.eject, tokens: core.tokens };
}

/** `Retry-After` holds either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  // Number() of an HTTP date is NaN, and NaN >= 0 is false. A date in the past or garbage gives 0 or NaN: none.
  return seconds >= 0 ? seconds * 1000 : Math.max(0, Date.parse(value) - Date.now()) || undefined;
}

function ensureSuccess(result: Sent): Sent {
  const { response } = result;
  const body = response.ok ? result.data : result.error;
  // Object() turns null, strings and numbers into objects without these fields, so they read as absent.
  const envelope: { code?: unknown; message?: unknown; request_id?: unknown } = Object(body);
  const code = Number.isInteger(envelope.code) ? (envelope.code as number) : undefined;
  // Success is a 2xx whose body is an object (the envelope the typed `data` promises) with code 0 or none.
  if (response.ok && !code && envelope === body) return result;
  throw new KlingApiError({
    httpStatus: response.status,
    code,
    message:
      typeof envelope.message === 'string'
        ? envelope.message
        : typeof body === 'string'
          ? body.slice(0, 200)
          : '',
    requestId: typeof envelope.request_id === 'string' ? envelope.request_id : undefined,
    body,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  });
}

/** `base` with the settings `override` gives; an undefined one keeps its base value. */
export function resolveSettings(base: Settings, override: ClientDefaults): Settings {
  const settings = { ...base };
  for (const key in base)
    settings[key as keyof Settings] = override[key as keyof Settings] ?? base[key as keyof Settings];
  return settings;
}
