import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from '../generated/schema.js';
import { createTokenProvider, type KlingCredentials, type TokenProvider } from './auth.js';
import { withDeadline } from './deadline.js';
import { KlingApiError, KlingConnectionError } from './errors.js';
import { pickDefined } from './options.js';
import { abortError, backoffDelay, DEFAULT_RETRY, isRetryable, type RetryOptions, sleep } from './retry.js';

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
  };

type RawClient = Client<paths>;
type Sent = { data?: unknown; error?: unknown; response: Response };
/** What a retry may assume about a request that got no clear answer. */
export type Replay = 'safe' | 'rejected-only';

/** What each attempt adds to openapi-fetch's init: the bearer token and, when the caller gave one, the signal. */
export interface AttemptInit {
  headers: { Authorization: string };
  signal?: AbortSignal;
}

/** Sends one operation with auth repair, timeout and retries; shared by the raw verbs and the workflows. */
export interface Transport {
  /**
   * `recover` makes a create safe to resend: after an attempt that may have landed (no answer, or 5xx) it
   * finds what that attempt made, or resolves undefined when it made nothing, so sending again cannot bill
   * twice. Resends (after lost answers and after 1302/1303 alike) draw on the call's one retry budget;
   * each lookup is a query with retries of its own.
   */
  send<T extends Sent, R = never>(
    attempt: (init: AttemptInit) => Promise<T>,
    replay: Replay,
    options?: RequestOptions,
    recover?: () => Promise<R | undefined>,
  ): Promise<T | R>;
  readonly raw: RawClient;
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

/** Codes the client cures itself by signing a fresh token and sending the request once more. */
const RESIGN_CODES = new Set([1003, 1004]);
/** Codes after which a create certainly made no task, so sending it again cannot bill twice. */
const REJECTED_BEFORE_CREATE = new Set([1302, 1303]);
const DEFAULT_TIMEOUT_MS = 60_000;
const NO_OPTIONS: RequestOptions = Object.freeze({});

export function createBaseClient(options: KlingClientOptions): BaseClient {
  const tokens = createTokenProvider(options);
  const raw = createClient<paths>({
    baseUrl: (options.baseUrl ?? KLING_SERVERS.singapore).replace(/\/+$/, ''),
    ...(options.fetch && { fetch: options.fetch }),
    ...(options.headers && { headers: options.headers }),
  });
  const defaults = resolveSettings({ ...DEFAULT_RETRY, timeoutMs: DEFAULT_TIMEOUT_MS }, options);
  const { logger } = options;

  const transport: Transport = {
    raw,
    async send(attempt, replay, callOptions = NO_OPTIONS, recover) {
      const settings = callOptions === NO_OPTIONS ? defaults : resolveSettings(defaults, callOptions);
      const { signal } = callOptions;
      const timedOut = () =>
        new KlingConnectionError(`No answer within ${settings.timeoutMs} ms.`, { timedOut: true });
      let resigned = false;
      let ambiguous = false;
      for (let retry = 0; ; retry++) {
        try {
          // A header per call, not a middleware: openapi-fetch's middleware path costs more than the client.
          const token = tokens.peek() ?? (await tokens.getToken());
          const init: AttemptInit = { headers: { Authorization: `Bearer ${token}` } };
          if (signal) init.signal = signal;
          return ensureSuccess(await withDeadline(attempt(init), settings.timeoutMs, timedOut));
        } catch (caught) {
          if (signal?.aborted) throw abortError(signal);
          const error =
            caught instanceof KlingApiError || caught instanceof KlingConnectionError
              ? caught
              : new KlingConnectionError(`Request failed before an answer arrived: ${String(caught)}`, {
                  cause: caught,
                });
          if (error instanceof KlingApiError && RESIGN_CODES.has(error.code ?? 0) && !resigned) {
            resigned = true;
            tokens.invalidate();
            logger?.debug('kling: token rejected, signing a fresh one', { code: error.code });
            retry--;
            continue;
          }
          let mayReplay =
            replay === 'safe' ||
            (error instanceof KlingApiError && REJECTED_BEFORE_CREATE.has(error.code ?? 0));
          if (recover) {
            // After an ambiguous attempt, "external_task_id already used" (1201) means that attempt landed.
            const duplicate = ambiguous && error instanceof KlingApiError && error.code === 1201;
            const unclear =
              error instanceof KlingConnectionError ||
              (error instanceof KlingApiError && error.httpStatus >= 500);
            if (duplicate || unclear) {
              ambiguous = true;
              const found = await recover();
              if (found !== undefined) {
                logger?.debug('kling: the answer was lost, but the request had landed', {
                  error: String(error),
                });
                return found;
              }
              if (duplicate) throw error;
              mayReplay = true;
            }
          }
          if (!mayReplay || !isRetryable(error) || retry >= settings.maxRetries) throw error;
          const delay = backoffDelay(
            retry,
            settings,
            error instanceof KlingApiError ? error.retryAfterMs : undefined,
          );
          logger?.warn(`kling: retrying in ${Math.round(delay)} ms`, {
            retry: retry + 1,
            error: String(error),
          });
          await sleep(delay, signal);
        }
      }
    },
  };

  // Wrapping the two verbs (instead of a middleware that re-reads the body) keeps one JSON parse per call.
  // openapi-fetch's verbs are generic over path literals; the wrappers only forward, so their own
  // signatures are erased here and the public type is openapi-fetch's.
  const GET = ((path: never, init?: UserInit) =>
    transport.send(
      (extra) => raw.GET(path, withAttempt(init, extra)),
      'safe',
      init?.signal ? { signal: init.signal } : NO_OPTIONS,
    )) as unknown as RawClient['GET'];
  const POST = ((path: never, init?: UserInit) =>
    transport.send(
      (extra) => raw.POST(path, withAttempt(init, extra)),
      'rejected-only',
      init?.signal ? { signal: init.signal } : NO_OPTIONS,
    )) as unknown as RawClient['POST'];
  return { GET, POST, use: raw.use, eject: raw.eject, tokens, transport };
}

type UserInit = { signal?: AbortSignal; headers?: Record<string, string> };

/** The caller's init with the attempt's token (and signal) merged in, keeping the caller's own headers. */
function withAttempt(init: UserInit | undefined, extra: AttemptInit): never {
  return { ...init, ...extra, headers: { ...init?.headers, ...extra.headers } } as never;
}

function ensureSuccess<T extends Sent>(result: T): T {
  const { response } = result;
  const body = response.ok ? result.data : result.error;
  const code = businessCode(body);
  if (response.ok && (code === 0 || code === undefined)) return result;
  const envelope = (typeof body === 'object' && body !== null ? body : {}) as {
    message?: unknown;
    request_id?: unknown;
  };
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

function businessCode(body: unknown): number | undefined {
  const code = (body as { code?: unknown } | null)?.code;
  return Number.isInteger(code) ? (code as number) : undefined;
}

/** `Retry-After` holds either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  // Number() of an HTTP date is NaN, and NaN >= 0 is false.
  const seconds = Number(value);
  if (seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return date ? Math.max(0, date - Date.now()) : undefined;
}

type Settings = Required<Omit<RequestOptions, 'signal'>>;
const SETTING_KEYS = ['maxRetries', 'baseDelayMs', 'maxDelayMs', 'timeoutMs'] as const;

function resolveSettings(base: Settings, override: Omit<RequestOptions, 'signal'>): Settings {
  return { ...base, ...pickDefined(override, SETTING_KEYS) };
}
