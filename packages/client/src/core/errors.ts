/**
 * The platform's error model. HTTP status and business `code` travel together, and a client must branch
 * on `code`: HTTP 429 carries both "slow down" (1302/1303, retryable) and "your balance is empty"
 * (1100-1102, never retryable).
 */

export type KlingErrorCategory =
  | 'auth'
  | 'account'
  | 'permission'
  | 'params'
  | 'not_found'
  | 'policy'
  | 'rate_limit'
  | 'server'
  /** No business code could be read (e.g. an HTML 502 from a proxy); classified by HTTP status alone. */
  | 'unknown';

export interface KlingErrorCodeInfo {
  httpStatus: number;
  category: KlingErrorCategory;
  retryable: boolean;
  meaning: string;
}

/** Every business code the platform documents, with its HTTP status and whether a retry can help. */
export const KLING_ERROR_CODES = {
  1000: { httpStatus: 401, category: 'auth', retryable: false, meaning: 'authentication failed' },
  1001: { httpStatus: 401, category: 'auth', retryable: false, meaning: 'Authorization header empty' },
  1002: { httpStatus: 401, category: 'auth', retryable: false, meaning: 'Authorization header invalid' },
  // 1003/1004 are cured by re-signing, which the client does itself; retrying the same token cannot help.
  1003: { httpStatus: 401, category: 'auth', retryable: false, meaning: 'token not yet valid' },
  1004: { httpStatus: 401, category: 'auth', retryable: false, meaning: 'token expired' },
  1100: { httpStatus: 429, category: 'account', retryable: false, meaning: 'account exception' },
  1101: { httpStatus: 429, category: 'account', retryable: false, meaning: 'account in arrears (post-paid)' },
  1102: {
    httpStatus: 429,
    category: 'account',
    retryable: false,
    meaning: 'resource pack used up or expired (pre-paid)',
  },
  1103: { httpStatus: 403, category: 'permission', retryable: false, meaning: 'no permission for this endpoint or model' },
  1200: { httpStatus: 400, category: 'params', retryable: false, meaning: 'invalid request parameters' },
  1201: { httpStatus: 400, category: 'params', retryable: false, meaning: 'invalid parameter: wrong key or value' },
  1202: { httpStatus: 404, category: 'not_found', retryable: false, meaning: 'invalid request method' },
  1203: { httpStatus: 404, category: 'not_found', retryable: false, meaning: 'requested resource does not exist' },
  1300: { httpStatus: 400, category: 'policy', retryable: false, meaning: 'platform policy triggered' },
  1301: { httpStatus: 400, category: 'policy', retryable: false, meaning: 'content-safety policy triggered' },
  1302: { httpStatus: 429, category: 'rate_limit', retryable: true, meaning: 'requests too fast (rate limit)' },
  1303: {
    httpStatus: 429,
    category: 'rate_limit',
    retryable: true,
    meaning: 'concurrency over the resource-pack limit',
  },
  1304: { httpStatus: 429, category: 'policy', retryable: false, meaning: 'IP allow-list policy' },
  5000: { httpStatus: 500, category: 'server', retryable: true, meaning: 'internal server error' },
  5001: { httpStatus: 503, category: 'server', retryable: true, meaning: 'temporarily unavailable (maintenance)' },
  5002: { httpStatus: 504, category: 'server', retryable: true, meaning: 'internal timeout (backlog)' },
} as const satisfies Record<number, KlingErrorCodeInfo>;

export type KlingErrorCode = keyof typeof KLING_ERROR_CODES;

/** Looks a code up; codes the platform adds later are classified by their HTTP status. */
export function describeErrorCode(code: number | undefined, httpStatus: number): KlingErrorCodeInfo {
  const known = code === undefined ? undefined : (KLING_ERROR_CODES as Record<number, KlingErrorCodeInfo>)[code];
  if (known) return known;
  return {
    httpStatus,
    category: categoryForStatus(httpStatus),
    retryable: httpStatus >= 500 || httpStatus === 408,
    meaning: code === undefined ? `HTTP ${httpStatus} without a Kling error body` : `undocumented code ${code}`,
  };
}

function categoryForStatus(status: number): KlingErrorCategory {
  if (status === 401) return 'auth';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 400 || status === 422) return 'params';
  if (status >= 500) return 'server';
  return 'unknown';
}

export interface KlingApiErrorInit {
  httpStatus: number;
  code: number | undefined;
  message: string;
  requestId: string | undefined;
  /** The parsed response body, kept for debugging. */
  body?: unknown;
  /** From a `Retry-After` header, when the server sent one. */
  retryAfterMs?: number | undefined;
}

/** Base class of every error klingkit throws, for one `instanceof` check. */
export class KlingError extends Error {
  override readonly name: string = 'KlingError';
}

/**
 * A request the API answered with a non-success: a non-2xx status, or `code != 0` on HTTP 200.
 * `message` reads well in a log (code, status, server text, request id); `apiMessage` is the server text alone.
 */
export class KlingApiError extends KlingError {
  override readonly name = 'KlingApiError';
  readonly httpStatus: number;
  readonly apiMessage: string;
  /** The business code (`1201`, `1303`…); undefined when the body held none. */
  readonly code: number | undefined;
  readonly requestId: string | undefined;
  readonly category: KlingErrorCategory;
  /** Whether the same request may succeed if sent again later (with backoff). */
  readonly retryable: boolean;
  readonly body: unknown;
  readonly retryAfterMs: number | undefined;

  constructor(init: KlingApiErrorInit) {
    const info = describeErrorCode(init.code, init.httpStatus);
    const codePart = init.code === undefined ? `HTTP ${init.httpStatus}` : `${init.code} (HTTP ${init.httpStatus})`;
    const idPart = init.requestId ? ` [request_id ${init.requestId}]` : '';
    super(`Kling API error ${codePart}: ${init.message || info.meaning}${idPart}`);
    this.httpStatus = init.httpStatus;
    this.apiMessage = init.message;
    this.code = init.code;
    this.requestId = init.requestId;
    this.category = info.category;
    this.retryable = info.retryable;
    this.body = init.body;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * The request never got an answer: DNS, refused connection, reset, or a per-request timeout. Whether the
 * server acted on it is unknown, so only idempotent work may be resent blindly.
 */
export class KlingConnectionError extends KlingError {
  override readonly name = 'KlingConnectionError';
  readonly retryable = true;
  readonly timedOut: boolean;
  constructor(message: string, options: { cause?: unknown; timedOut?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.timedOut = options.timedOut ?? false;
  }
}

/** The caller's `AbortSignal` fired; nothing is retried after that. */
export class KlingAbortError extends KlingError {
  override readonly name = 'KlingAbortError';
}

export function isKlingApiError(value: unknown): value is KlingApiError {
  return value instanceof KlingApiError;
}
