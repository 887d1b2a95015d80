import type { Authenticator, AuthResult } from '../auth/authenticator.js';
import type { ControlAccess, Door } from '../controls/control-access.js';
import {
  type DirectiveCodes,
  MOCK_DIRECTIVES_HEADER,
  parseMockDirectives,
} from '../controls/mock-directives.js';
import type { FaultInjector, InjectedFault } from '../faults/fault-injector.js';
import type { InjectedErrors } from '../faults/injected-errors.js';
import type { ApiCall } from '../http/api-call.js';
import { handleApi } from '../http/api-routes.js';
import { CORS_HEADERS, failure } from '../http/envelope.js';
import { handleImage } from '../http/image-routes.js';
import { DROPPED_CONNECTION, type MockRequest, type MockResponse } from '../http/mock-request.js';
import type { AccountLimits } from '../limits/account-limits.js';
import type { MockContext } from '../mock-context.js';

/**
 * The request pipeline's stages, in the order `createPipeline` runs them. Each is a plain function built
 * once per mock from the parts it needs, and answers synchronously unless it has to wait for something:
 * a stage returns `undefined` to pass the request on, an answer to end it.
 */
export type Answer = MockResponse | Promise<MockResponse>;
export type Fail = (code: number, message: string) => MockResponse;

const CONTROL_PREFIX = '/__mock/';
const IMAGE_PREFIX = '/__mock/images/';
/** Codes the platform asks clients to retry after a backoff from one second: their answers say how long. */
const RETRIED_AFTER_BACKOFF: ReadonlySet<number> = new Set([1302, 1303]);

/** Path checks: routes decode path segments, and a `%` that starts no valid escape would throw there. */
export function createReadablePathStage(fail: Fail) {
  return function readablePath(request: MockRequest): MockResponse | undefined {
    if (isDecodablePath(request.path)) return undefined;
    return fail(
      1200,
      `Unreadable request: the path has a malformed percent-escape (% must start two hex digits that decode to UTF-8); got ${JSON.stringify(request.path.slice(0, 200))}`,
    );
  };
}

/**
 * Controls (access check and routes, under `/__mock/` but for the result images). They come before the API's
 * preflight: they answer their own preflights, and never with the API's open CORS.
 */
export function createControlStage(
  handleControl: (request: MockRequest, door: Door) => Promise<MockResponse>,
) {
  return function controls(request: MockRequest, door: Door): Promise<MockResponse> | undefined {
    if (!request.path.startsWith(CONTROL_PREFIX) || request.path.startsWith(IMAGE_PREFIX)) return undefined;
    return handleControl(request, door);
  };
}

/** The API's and the images' CORS preflight; built once, shared by every answer. */
export const PREFLIGHT: MockResponse = {
  status: 204,
  headers: {
    ...CORS_HEADERS,
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-max-age': '600',
  },
  body: '',
};

/** Preflight: every `OPTIONS` that is not a control's gets the API's CORS answer. */
export function preflight(request: MockRequest): MockResponse | undefined {
  return request.method === 'OPTIONS' ? PREFLIGHT : undefined;
}

/** Images: result files under `/__mock/images/`, public and with CORS like the platform's CDN. */
export function createImageStage(context: MockContext) {
  return function images(request: MockRequest): Promise<MockResponse> | undefined {
    if (!request.path.startsWith(IMAGE_PREFIX)) return undefined;
    return handleImage(context, request).then(withCors);
  };
}

/** Path checks: past the controls and images, only the API's `/v1/` paths exist. */
export function createApiPathStage(fail: Fail) {
  return function apiPath(request: MockRequest): MockResponse | undefined {
    return request.path.startsWith('/v1/') ? undefined : fail(1203, `Resource not found: ${request.path}`);
  };
}

/**
 * Directives: the `X-Kling-Mock` header, for a test that steers its own request (an error, an outcome, a
 * latency). Honoured only from callers the controls would answer (`access`: Host, Origin, Sec-Fetch-Site,
 * token): anyone else gets 403 / 1103 saying why, so no one mistakes an ignored header for a steered
 * request. Unknown or bad directives are 400 / 1200 naming them. Without the header, one lookup and nothing
 * is allocated.
 */
export function createDirectiveStage(parts: {
  access: Pick<ControlAccess, 'check'>;
  codes: DirectiveCodes;
  fail: Fail;
}) {
  const { access, codes, fail } = parts;
  return function directives(request: MockRequest, door: Door, call: ApiCall): MockResponse | undefined {
    const header = request.header(MOCK_DIRECTIVES_HEADER);
    if (header === null) return undefined;
    const checked = access.check(request, door);
    if ('refusal' in checked) {
      return fail(
        1103,
        `The X-Kling-Mock header is refused: it steers the mock, so it follows the rules of the mock controls. ${checked.refusal.reason}`,
      );
    }
    try {
      call.directives = parseMockDirectives(header, call.kind, codes);
      return undefined;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return fail(1200, `Invalid X-Kling-Mock header: ${error.message}`);
    }
  };
}

/**
 * Faults: the latency the request's directives ask for, else the configured one, in real time; `undefined`
 * (no promise, no timer) when there is none.
 */
export function createLatencyStage(faults: Pick<FaultInjector, 'latencyMs'>) {
  return function latency(call: ApiCall): Promise<void> | undefined {
    const ms = call.directives?.latencyMs ?? faults.latencyMs;
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined;
  };
}

/** A server error or dropped connection that hits a create after its task was made. */
export type LateFault = Extract<InjectedFault, { kind: 'server' | 'drop' }>;
/** What the faults stage decided: answer now, or let the API run and spoil its success afterwards. */
export type FaultVerdict =
  | { answer: MockResponse; late?: undefined }
  | { answer?: undefined; late: LateFault };

/**
 * Faults: the error the request's directives ask for first, then an injected error aimed at it
 * (`injectError`), then a fault drawn from the configured rates. Server errors and dropped connections drawn
 * as "after create" on a POST are handed on as `late`, to be applied to the API's answer (see
 * `applyLateFault`). 1302/1303 answers carry `Retry-After`: as asked, else `faults.retryAfterSeconds`.
 */
export function createFaultStage(parts: {
  injectedErrors: Pick<InjectedErrors, 'next'>;
  faults: Pick<FaultInjector, 'draw' | 'retryAfterSeconds'>;
  fail: Fail;
}) {
  const { injectedErrors, faults, fail } = parts;
  const injected = (code: number, retryAfterSeconds: number | undefined, by: string) => {
    const answer = fail(code, `Injected error ${code} (${by})`);
    const seconds =
      retryAfterSeconds ?? (RETRIED_AFTER_BACKOFF.has(code) ? faults.retryAfterSeconds : undefined);
    return seconds === undefined ? answer : withHeaders(answer, { 'retry-after': String(seconds) });
  };
  return function drawFault(request: MockRequest, call: ApiCall): FaultVerdict | undefined {
    const directed = call.directives?.code;
    if (directed !== undefined)
      return { answer: injected(directed, call.directives?.retryAfterSeconds, 'X-Kling-Mock header') };
    const aimed = injectedErrors.next(call);
    if (aimed !== undefined)
      return { answer: injected(aimed.code, aimed.retryAfterSeconds, 'mock controls') };
    const fault = faults.draw();
    if (fault === undefined) return undefined;
    if (fault.kind === 'rate') {
      const code = fault.code === 1303 && request.method !== 'POST' ? 1302 : fault.code;
      const reason = code === 1303 ? 'parallel task over resource pack limit' : 'Requests too fast';
      return {
        answer: failure(429, code, `${reason} (injected fault)`, {
          'retry-after': String(faults.retryAfterSeconds),
        }),
      };
    }
    return fault.afterCreate && request.method === 'POST' ? { late: fault } : { answer: faultAnswer(fault) };
  };
}

/** The ambiguous case: the task exists, but the client is told the create failed. Refusals pass unchanged. */
export function applyLateFault(fault: LateFault, answer: MockResponse): MockResponse {
  return answer.status === 200 ? faultAnswer(fault) : answer;
}

function faultAnswer(fault: LateFault): MockResponse {
  return fault.kind === 'server'
    ? failure(fault.status, fault.code, 'Internal server error (injected fault)')
    : DROPPED_CONNECTION;
}

/** Auth: a cached token is answered synchronously; only a first sight of a token needs the async verify. */
export function createAuthStage(authenticator: Pick<Authenticator, 'authenticate'>) {
  return function auth(request: MockRequest): AuthResult | Promise<AuthResult> {
    return authenticator.authenticate(request.header('authorization'));
  };
}

/** Limits: the account's request rate (concurrency and balance are checked by the create itself). */
export function createLimitStage(limits: Pick<AccountLimits, 'checkRate'>, fail: Fail) {
  return function limit(account: string): MockResponse | undefined {
    const limited = limits.checkRate(account);
    return limited ? fail(limited.code, limited.message) : undefined;
  };
}

/** API: the spec's six operations for the call's authenticated account. */
export function createApiStage(context: MockContext) {
  return function api(request: MockRequest, call: ApiCall): Answer {
    return handleApi(context, request, call);
  };
}

function isDecodablePath(path: string): boolean {
  if (!path.includes('%')) return true;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function withCors(response: MockResponse): MockResponse {
  return withHeaders(response, CORS_HEADERS);
}

function withHeaders(response: MockResponse, headers: Record<string, string>): MockResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}
