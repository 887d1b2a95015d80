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
}

/**
 * The HTTP status of every business code the platform documents (its published error-code table). Each code's category
 * follows from its status and number (see `categorize`); what it means is in the spec's error responses.
 * Kept to numbers because this module ships in the browser bundle.
 */
const CODE_STATUS: Record<number, number> = {
  // 1000 failed, 1001 header empty, 1002 header invalid, 1003 not yet valid, 1004 expired
  1000: 401,
  1001: 401,
  1002: 401,
  1003: 401,
  1004: 401,
  // 1100 account exception, 1101 arrears, 1102 resource pack used up; 1103 no permission
  1100: 429,
  1101: 429,
  1102: 429,
  1103: 403,
  // 1200 invalid request, 1201 invalid parameter; 1202 invalid method, 1203 no such resource
  1200: 400,
  1201: 400,
  1202: 404,
  1203: 404,
  // 1300 platform policy, 1301 content safety; 1302 too fast, 1303 concurrency; 1304 IP allow-list
  1300: 400,
  1301: 400,
  1302: 429,
  1303: 429,
  1304: 429,
  // 5000 internal error, 5001 maintenance, 5002 internal timeout
  5000: 500,
  5001: 503,
  5002: 504,
};

/** Every business code the platform documents, with its HTTP status and whether a retry can help. */
// Marked pure so that bundlers drop the table from apps that never read it.
export const KLING_ERROR_CODES: Readonly<Record<number, KlingErrorCodeInfo>> =
  /* @__PURE__ */ Object.fromEntries(
    Object.keys(CODE_STATUS).map((code) => [code, describeErrorCode(+code, 0)]),
  );

/** Classifies a code; codes the platform adds later are classified by their HTTP status. */
export function describeErrorCode(code: number | undefined, httpStatus: number): KlingErrorCodeInfo {
  const number = code ?? 0;
  const status = CODE_STATUS[number] || httpStatus;
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
 * The request never got an answer: DNS, refused connection, reset, or a per-request timeout. Whether the
 * server acted on it is unknown, so only idempotent work may be resent blindly.
 */
export class KlingConnectionError extends KlingError {
  override readonly name = 'KlingConnectionError';
  readonly retryable = true;
  declare readonly timedOut: boolean;
  constructor(message: string, options: { cause?: unknown; timedOut?: boolean } = {}) {
    super(message, options);
    Object.assign(this, { timedOut: !!options.timedOut });
  }
}

/** The caller's `AbortSignal` fired; nothing is retried after that. */
export class KlingAbortError extends KlingError {
  override readonly name = 'KlingAbortError';
}

export function isKlingApiError(value: unknown): value is KlingApiError {
  return value instanceof KlingApiError;
}
