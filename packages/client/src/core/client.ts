import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from '../generated/schema.js';
import { createTokenProvider, type KlingCredentials, type TokenProvider } from './auth.js';
import { withDeadline } from './deadline.js';
import { KlingApiError, KlingConnectionError } from './errors.js';
import { abortError, backoffDelay, type RetryOptions, sleep } from './retry.js';

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
  timeoutMs?: number;
  /** Cancels the call, including any backoff wait. */
  signal?: AbortSignal;
}

export type KlingClientOptions = KlingCredentials &
  Omit<RequestOptions, 'signal'> & {
    /** API origin; default {@link KLING_SERVERS.singapore}. Point it at a mock server in tests. */
    baseUrl?: string;
    /** A WHATWG fetch, e.g. a mock server's in-process handler. Default: the global `fetch`. */
    fetch?: (request: Request) => Promise<Response>;
    /** Extra headers sent with every request. */
    headers?: ClientOptions['headers'];
    logger?: KlingLogger;
    /**
     * For tests: the time the client waits on (poll intervals, retry backoff, `wait`'s deadline), e.g. a mock
     * server's clock, so that a wait takes no real time. Default: real time and timers. Per-request
     * timeouts and token lifetimes always run on real time.
     */
    clock?: KlingClock;
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

/** The init openapi-fetch takes with a path template of the spec, to fill it in. */
export type OperationInit = {
  params?: object;
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
   * makes a create safe to resend after an attempt that may have landed (no answer, or 5xx): it finds what that attempt made, or resolves undefined when it made nothing, so
   * sending again cannot bill twice. Resends (after lost answers and after 1302/1303 alike) draw on the
   * call's one retry budget; each lookup is a query with retries of its own.
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
export type BaseClient = Pick<RawClient, 'GET' | 'POST' | 'use' | 'eject'> & {
  /** The credentials in use. */
  readonly tokens: TokenProvider;
  /** @internal Shared by the task workflows. */
  readonly transport: Transport;
};

type Settings = Required<Omit<RequestOptions, 'signal'>>;
const DEFAULT_SETTINGS: Settings = {
  maxRetries: 2,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  timeoutMs: 60_000,
};
export function createBaseClient(options: KlingClientOptions): BaseClient {
  const tokens = createTokenProvider(options);
  const raw = createClient<paths>({
    baseUrl: (options.baseUrl ?? KLING_SERVERS.singapore).replace(/\/+$/, ''),
    // Left undefined, openapi-fetch uses the global fetch and no extra headers.
    fetch: options.fetch,
    headers: options.headers,
  });
  const defaults = resolveSettings(DEFAULT_SETTINGS, options);
  const { logger, clock = { now: Date.now, sleep } } = options;

  const transport: Transport = {
    clock,
    async send(method, path, init, callOptions, recover) {
      const settings = callOptions ? resolveSettings(defaults, callOptions) : defaults;
      // The raw verbs carry the caller's signal in their init, the workflows in their options.
      const signal = callOptions?.signal ?? init?.signal;
      // Without a deadline, `at` never comes (and a backoff that could never end gives up with its error).
      const { at = Infinity, expire = (cause?: unknown) => cause } = callOptions?.deadline ?? {};
      let resigned = false;
      let ambiguous = false;
      let token: string | undefined;
      for (let retry = 0; ; retry++) {
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
          // Typed callers reach this through the verbs below; the workflows' paths are checked by their own maps.
          const sent = (raw[method] as (path: string, init: object) => Promise<Sent>)(path, attempt);
          return ensureSuccess(await withDeadline(sent, Math.min(settings.timeoutMs || left, left)));
        } catch (caught) {
          if (signal?.aborted) throw abortError(signal);
          const api = caught instanceof KlingApiError ? caught : undefined;
          const error =
            api ??
            (caught instanceof KlingConnectionError
              ? caught
              : new KlingConnectionError(`No answer arrived: ${String(caught)}`, {
                  cause: caught,
                }));
          const code = api?.code;
          // 1003/1004: the token was not yet valid or had expired; a freshly signed one cures it.
          if (!resigned && (code === 1003 || code === 1004)) {
            resigned = true;
            tokens.invalidate(token);
            logger?.debug('kling: token rejected, signing a fresh one', { code });
            retry--;
            continue;
          }
          // 1302/1303 (too fast, too many at once) certainly made no task, so even a create may be resent.
          let mayReplay = method === 'GET' || code === 1302 || code === 1303;
          if (recover) {
            // After an ambiguous attempt, "external_task_id already used" (1201) means that attempt landed.
            const duplicate = ambiguous && code === 1201;
            const unclear = !api || api.httpStatus >= 500;
            if (duplicate || unclear) {
              ambiguous = true;
              const found = await recover();
              // The lost attempt had landed: its task is the answer.
              if (found !== undefined) return found;
              if (duplicate) throw error;
              mayReplay = true;
            }
          }
          if (!mayReplay || !error.retryable) throw error;
          const delay = backoffDelay(retry, settings, api?.retryAfterMs);
          // The deadline ended this attempt, or would end before the backoff and the next attempt.
          if (delay >= at - clock.now()) throw expire(error);
          if (retry >= settings.maxRetries) throw error;
          logger?.warn(`kling: retrying in ${Math.round(delay)} ms`, {
            retry: retry + 1,
            error: String(error),
          });
          await clock.sleep(delay, signal);
        }
      }
    },
  };

  // Wrapping the two verbs (instead of a middleware that re-reads the body) keeps one JSON parse per call.
  // openapi-fetch's verbs are generic over path literals; the wrappers only forward, so their own
  // signatures are erased here and the public type is openapi-fetch's.
  const GET = ((path: string, init?: OperationInit) =>
    transport.send('GET', path, init)) as unknown as RawClient['GET'];
  const POST = ((path: string, init?: OperationInit) =>
    transport.send('POST', path, init)) as unknown as RawClient['POST'];
  return { GET, POST, use: raw.use, eject: raw.eject, tokens, transport };
}

function ensureSuccess(result: Sent): Sent {
  const { response } = result;
  const body = response.ok ? result.data : result.error;
  // Object() turns null, strings and numbers into objects without these fields, so they read as absent.
  const envelope: { code?: unknown; message?: unknown; request_id?: unknown } = Object(body);
  const code = Number.isInteger(envelope.code) ? (envelope.code as number) : undefined;
  // Success is a 2xx whose business code is 0 or absent.
  if (response.ok && !code) return result;
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

/** `Retry-After` holds either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  // Number() of an HTTP date is NaN, and NaN >= 0 is false. A date in the past or garbage gives 0 or NaN: none.
  return seconds >= 0 ? seconds * 1000 : Math.max(0, Date.parse(value) - Date.now()) || undefined;
}

/** `base` with the settings `override` gives; an undefined one keeps its base value. */
function resolveSettings(base: Settings, override: Omit<RequestOptions, 'signal'>): Settings {
  const settings = { ...base };
  for (const key in base)
    settings[key as keyof Settings] = override[key as keyof Settings] ?? base[key as keyof Settings];
  return settings;
}
