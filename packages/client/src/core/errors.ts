import { ERROR_CODE_STATUSES } from '../generated/error-codes.js';

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
  /** The status the spec declares for the code (the lowest, when it declares several). */
  httpStatus: number;
  category: KlingErrorCategory;
  retryable: boolean;
}

/**
 * Every business code the spec declares on its error responses, with its HTTP status and whether a retry can
 * help. Each code's category follows from its status and number (see `categorize`); what it means is in the
 * spec's error responses.
 */
// Marked pure so that bundlers drop the table from apps that never read it.
export const KLING_ERROR_CODES: Readonly<Record<number, KlingErrorCodeInfo>> =
  /* @__PURE__ */ Object.fromEntries(
    Object.keys(ERROR_CODE_STATUSES).map((code) => [code, describeErrorCode(+code, 0)]),
  );

/** Classifies a code; codes the platform adds later are classified by their HTTP status. */
export function describeErrorCode(code: number | undefined, httpStatus: number): KlingErrorCodeInfo {
  const number = code ?? 0;
  // The declared status classifies the code: the platform also sends codes with HTTP 200.
  const status = ERROR_CODE_STATUSES[number]?.[0] || httpStatus;
  const category = categorize(number, status);
  // Only limits and server trouble pass; 1003/1004 are cured by re-signing, which the client does by itself.
  return {
    httpStatus: status,
    category,
    retryable: status === 408 || category === 'rate_limit' || category === 'server',
  };
}

/** `number` is the business code, 0 when there was none. */
function categorize(number: number, status: number): KlingErrorCategory {
  // HTTP 429 and 400 are shared: the number tells account trouble (11xx) from limits (1302/1303) and policy (13xx).
  if (number === 1302 || number === 1303) return 'rate_limit';
  if (number >= 1300 && number < 1400) return 'policy';
  if (number >= 1100 && number <= 1102) return 'account';
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
  requestId?: string | undefined;
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
  // `declare` fields are set by Object.assign below: no per-field code in the browser bundle.
  declare readonly httpStatus: number;
  declare readonly apiMessage: string;
  /** The business code (`1201`, `1303`…); undefined when the body held none. */
  declare readonly code: number | undefined;
  declare readonly requestId: string | undefined;
  declare readonly category: KlingErrorCategory;
  /** Whether the same request may succeed if sent again later (with backoff). */
  declare readonly retryable: boolean;
  declare readonly body: unknown;
  declare readonly retryAfterMs: number | undefined;

  constructor({ message, ...fields }: KlingApiErrorInit) {
    const { httpStatus, code, requestId } = fields;
    const codePart = code === undefined ? `HTTP ${httpStatus}` : `${code} (HTTP ${httpStatus})`;
    const idPart = requestId ? ` [request_id ${requestId}]` : '';
    super(`Kling API error ${codePart}: ${message || 'no message'}${idPart}`);
    // `category` and `retryable` from the code; the status the server sent overrides the documented one.
    Object.assign(this, describeErrorCode(code, httpStatus), fields, { apiMessage: message });
  }
}

/**
 * The request never got an answer: DNS, refused connection, reset, TLS, or a per-request timeout. Whether the
 * server acted on it is unknown, so only idempotent work may be resent blindly. The message names the method,
 * the URL's origin and path, and the innermost cause (`connect ECONNREFUSED 127.0.0.1:4999`,
 * `getaddrinfo ENOTFOUND …`, a TLS error, `no answer within 60000 ms`); `cause` is what fetch threw (or the
 * timeout's own error).
 */
export class KlingConnectionError extends KlingError {
  override readonly name = 'KlingConnectionError';
  readonly retryable = true;
  /** The per-request timeout (`timeoutMs`) ended the attempt. */
  declare readonly timedOut: boolean;
  /** The request's method (`GET`, `POST`); set on every error a client call rejects with. */
  declare readonly method: string | undefined;
  /** The request's origin and path, parameters filled in: no query, no user:password. Set like `method`. */
  declare readonly url: string | undefined;
  constructor(
    message: string,
    options: { cause?: unknown; timedOut?: boolean; method?: string; url?: string } = {},
  ) {
    super(message, options);
    // `cause` again, as Error set it (an own, non-enumerable property keeps its kind on assignment).
    Object.assign(this, { timedOut: false, method: undefined, url: undefined, ...options });
  }
}

/** The caller's `AbortSignal` fired; nothing is retried after that. */
export class KlingAbortError extends KlingError {
  override readonly name = 'KlingAbortError';
}

export function isKlingApiError(value: unknown): value is KlingApiError {
  return value instanceof KlingApiError;
}
