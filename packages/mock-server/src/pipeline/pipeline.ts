import type { AuthResult } from '../auth/authenticator.js';
import type { Door } from '../controls/control-access.js';
import type { MockRequest, MockResponse } from '../http/mock-request.js';
import { type Answer, applyLateFault, type Fail, type FaultVerdict, type LateFault } from './stages.js';

/** The stages, in the order they run (see `stages.ts` for each). */
export interface PipelineStages {
  readablePath(request: MockRequest): MockResponse | undefined;
  controls(request: MockRequest, door: Door): Promise<MockResponse> | undefined;
  preflight(request: MockRequest): MockResponse | undefined;
  images(request: MockRequest): Promise<MockResponse> | undefined;
  apiPath(request: MockRequest): MockResponse | undefined;
  /** Replay (`replay-stage.ts`), when the mock has a cassette: a recorded answer, or `simulate`. */
  replay?(request: MockRequest, simulate: (request: MockRequest) => Answer): Answer | undefined;
  /** Brings every task up to the mock clock's now, so the answer shows the current state. */
  progress(): void;
  latency(): Promise<void> | undefined;
  faults(request: MockRequest): FaultVerdict | undefined;
  auth(request: MockRequest): AuthResult | Promise<AuthResult>;
  limits(account: string): MockResponse | undefined;
  api(request: MockRequest, account: string): Answer;
  /** The error envelope, for refused credentials and for the 5000 that replaces any crash. */
  fail: Fail;
}

/**
 * Composes the stages into every request's entry: path checks, controls, preflight, images, API path,
 * then for the API latency, faults, auth, limits and the operation itself. Synchronous wherever nothing has
 * to be waited for (a query with a cached token, most refusals): each async layer on the hot path cost a
 * promise and a microtask per request, so the stages are called directly, with no closures made per request
 * but on the paths that wait anyway (latency, a first-seen token).
 */
export function createPipeline(stages: PipelineStages): (request: MockRequest, door: Door) => Answer {
  const {
    readablePath,
    controls,
    preflight,
    images,
    apiPath,
    replay,
    progress,
    latency,
    faults,
    auth,
    limits,
    api,
    fail,
  } = stages;

  /** Never a stack trace, never a crash: whatever went wrong is the platform's 5000. */
  const internalError = (): MockResponse => fail(5000, 'Internal server error');

  function throughApi(request: MockRequest): Answer {
    progress();
    const waiting = latency();
    return waiting === undefined ? afterLatency(request) : waiting.then(() => afterLatency(request));
  }

  function afterLatency(request: MockRequest): Answer {
    const verdict = faults(request);
    if (verdict?.answer) return verdict.answer;
    const late = verdict?.late;
    const result = auth(request);
    return result instanceof Promise
      ? result.then((settled) => asAccount(request, settled, late))
      : asAccount(request, result, late);
  }

  function asAccount(request: MockRequest, result: AuthResult, late: LateFault | undefined): Answer {
    if (!result.ok) return fail(result.code, result.message);
    const limited = limits(result.account);
    if (limited) return limited;
    const answer = api(request, result.account);
    if (late === undefined) return answer;
    return answer instanceof Promise
      ? answer.then((settled) => applyLateFault(late, settled))
      : applyLateFault(late, answer);
  }

  return function handle(request: MockRequest, door: Door): Answer {
    try {
      const answer =
        readablePath(request) ??
        controls(request, door) ??
        preflight(request) ??
        images(request) ??
        apiPath(request) ??
        replay?.(request, throughApi) ??
        throughApi(request);
      return answer instanceof Promise ? answer.catch(internalError) : answer;
    } catch {
      return internalError();
    }
  };
}
