import type { AuthResult } from '../auth/authenticator.js';
import type { Door } from '../controls/control-access.js';
import type { ApiCall } from '../http/api-call.js';
import type { MockRequest, MockResponse } from '../http/mock-request.js';
import { type Answer, applyLateFault, type Fail, type FaultVerdict, type LateFault } from './stages.js';

/** The stages, in the order they run (see `stages.ts` for each). */
export interface PipelineStages {
  readablePath(request: MockRequest): MockResponse | undefined;
  controls(request: MockRequest, door: Door): Promise<MockResponse> | undefined;
  preflight(request: MockRequest): MockResponse | undefined;
  images(request: MockRequest): Promise<MockResponse> | undefined;
  /**
   * The journal: `open` matches an API request's route once (operation, family, task id) into its `ApiCall`,
   * which every later stage reads and the journal keeps; `settle` records the answer it came to.
   */
  journal: {
    open(request: MockRequest): ApiCall;
    settle(call: ApiCall, answer: MockResponse): MockResponse;
  };
  apiPath(request: MockRequest): MockResponse | undefined;
  directives(request: MockRequest, door: Door, call: ApiCall): MockResponse | undefined;
  /** Replay (`replay-stage.ts`), when the mock has a cassette: a recorded answer, or `simulate`. */
  replay?(request: MockRequest, simulate: (request: MockRequest) => Answer): Answer | undefined;
  /** Brings every task up to the mock clock's now, so the answer shows the current state. */
  progress(): void;
  latency(call: ApiCall): Promise<void> | undefined;
  faults(request: MockRequest, call: ApiCall): FaultVerdict | undefined;
  auth(request: MockRequest): AuthResult | Promise<AuthResult>;
  limits(account: string): MockResponse | undefined;
  api(request: MockRequest, call: ApiCall): Answer;
  /** The error envelope, for refused credentials and for the 5000 that replaces any crash. */
  fail: Fail;
}

/**
 * Composes the stages into every request's entry: path checks, controls, preflight, images; then for the API
 * the journal's record, API path, directives, replay (with a cassette), latency, faults, auth, limits and the
 * operation itself, the answer settled into the record. Synchronous wherever nothing has to be waited for (a query with a cached
 * token, most refusals): each async layer on the hot path cost a promise and a microtask per request, so the
 * stages are called directly, with no closures made per request but on the paths that wait anyway (latency,
 * a first-seen token, a create's body), and an answer that waits is settled in the one `then` that also
 * catches its failure.
 */
export function createPipeline(stages: PipelineStages): (request: MockRequest, door: Door) => Answer {
  const {
    readablePath,
    controls,
    preflight,
    images,
    journal,
    apiPath,
    directives,
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

  function throughApi(request: MockRequest, door: Door): Answer {
    const call = journal.open(request);
    let answer: Answer;
    try {
      answer =
        apiPath(request) ??
        directives(request, door, call) ??
        // A request that steers itself (X-Kling-Mock) is simulated, never answered from a cassette.
        (replay && call.directives === undefined
          ? replay(request, (simulated) => afterChecks(simulated, call))
          : undefined) ??
        afterChecks(request, call);
    } catch {
      answer = internalError();
    }
    return answer instanceof Promise
      ? answer.then(
          (settled) => journal.settle(call, settled),
          () => journal.settle(call, internalError()),
        )
      : journal.settle(call, answer);
  }

  function afterChecks(request: MockRequest, call: ApiCall): Answer {
    progress();
    const waiting = latency(call);
    return waiting === undefined
      ? afterLatency(request, call)
      : waiting.then(() => afterLatency(request, call));
  }

  function afterLatency(request: MockRequest, call: ApiCall): Answer {
    const verdict = faults(request, call);
    if (verdict?.answer) return verdict.answer;
    const late = verdict?.late;
    const result = auth(request);
    return result instanceof Promise
      ? result.then((settled) => asAccount(request, call, settled, late))
      : asAccount(request, call, result, late);
  }

  function asAccount(
    request: MockRequest,
    call: ApiCall,
    result: AuthResult,
    late: LateFault | undefined,
  ): Answer {
    if (!result.ok) return fail(result.code, result.message);
    call.account = result.account;
    const limited = limits(result.account);
    if (limited) return limited;
    const answer = api(request, call);
    if (late === undefined) return answer;
    return answer instanceof Promise
      ? answer.then((settled) => applyLateFault(late, settled))
      : applyLateFault(late, answer);
  }

  return function handle(request: MockRequest, door: Door): Answer {
    try {
      const early = readablePath(request) ?? controls(request, door) ?? preflight(request) ?? images(request);
      if (early === undefined) return throughApi(request, door);
      return early instanceof Promise ? early.catch(internalError) : early;
    } catch {
      return internalError();
    }
  };
}
