import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAccountLabels } from '../auth/account-label.js';
import type { AuthResult } from '../auth/authenticator.js';
import type { MockDirectives } from '../controls/mock-directives.js';
import type { InjectedFault } from '../faults/fault-injector.js';
import { createInjectedErrors } from '../faults/injected-errors.js';
import { ApiCall } from '../http/api-call.js';
import type { MockRequest, MockResponse } from '../http/mock-request.js';
import { createJournal } from '../journal/journal.js';
import type { MockContext } from '../mock-context.js';
import { createPipeline, type PipelineStages } from './pipeline.js';
import {
  applyLateFault,
  createApiPathStage,
  createAuthStage,
  createControlStage,
  createDirectiveStage,
  createFaultStage,
  createImageStage,
  createLatencyStage,
  createLimitStage,
  createReadablePathStage,
  PREFLIGHT,
  preflight,
} from './stages.js';

/** A stand-in for the spec's error envelope: the code as the status, so each test sees which code it got. */
const fail = (code: number, message: string): MockResponse => ({ status: code, headers: {}, body: message });
const ok: MockResponse = { status: 200, headers: {}, body: 'ok' };

/** The record the journal would open for `sent`, with `directives` as the directives stage would set them. */
function call(sent: MockRequest, directives?: MockDirectives): ApiCall {
  const opened = new ApiCall(sent, 1, 0);
  opened.directives = directives;
  return opened;
}

function request(path: string, method = 'GET', headers: Record<string, string> = {}): MockRequest {
  return {
    method,
    path,
    query: new URLSearchParams(),
    header: (name) => headers[name] ?? null,
    body: async () => Buffer.alloc(0),
    origin: 'http://127.0.0.1:1',
  };
}

describe('path checks', () => {
  const readablePath = createReadablePathStage(fail);
  const apiPath = createApiPathStage(fail);

  it('pass paths whose escapes decode, and refuse a malformed or non-UTF-8 escape with 1200 naming the path', () => {
    expect(readablePath(request('/v1/images/generations/a%20b'))).toBeUndefined();
    for (const path of ['/v1/images/generations/%zz', '/__mock/tasks%', '/v1/%C3%28']) {
      const answer = readablePath(request(path));
      expect(answer?.status).toBe(1200);
      expect(answer?.body).toContain(JSON.stringify(path));
    }
  });

  it('let only /v1/ paths through to the API, 1203 for anything else', () => {
    expect(apiPath(request('/v1/images/generations'))).toBeUndefined();
    expect(apiPath(request('/v2/images'))).toMatchObject({
      status: 1203,
      body: 'Resource not found: /v2/images',
    });
    expect(apiPath(request('/'))?.status).toBe(1203);
  });
});

describe('the controls stage', () => {
  it('takes /__mock/ paths with their door, and leaves result images and the API to later stages', async () => {
    const seen: string[] = [];
    const controls = createControlStage(async (req, door) => {
      seen.push(`${req.path} ${door}`);
      return ok;
    });
    expect(await controls(request('/__mock/reset', 'POST'), 'http')).toBe(ok);
    expect(await controls(request('/__mock/tasks', 'OPTIONS'), 'in-process')).toBe(ok);
    expect(controls(request('/__mock/images/1/0.png'), 'http')).toBeUndefined();
    expect(controls(request('/v1/images/generations'), 'http')).toBeUndefined();
    expect(controls(request('/__mockery'), 'http')).toBeUndefined();
    expect(seen).toEqual(['/__mock/reset http', '/__mock/tasks in-process']);
  });
});

describe('the preflight stage', () => {
  it("answers every OPTIONS with the API's CORS preflight, the same object each time, and passes other methods", () => {
    expect(preflight(request('/v1/images/generations', 'OPTIONS'))).toBe(PREFLIGHT);
    expect(PREFLIGHT).toMatchObject({ status: 204, headers: { 'access-control-allow-origin': '*' } });
    expect(preflight(request('/v1/images/generations', 'GET'))).toBeUndefined();
    expect(preflight(request('/v1/images/generations', 'POST'))).toBeUndefined();
  });
});

describe('the images stage', () => {
  const context = { store: { getAny: () => undefined } } as unknown as MockContext;
  const images = createImageStage(context);

  it('serves /__mock/images/ with open CORS, even its 404s, and passes every other path', async () => {
    const answer = await images(request('/__mock/images/123/0.png'));
    expect(answer).toMatchObject({ status: 404, headers: { 'access-control-allow-origin': '*' } });
    expect(images(request('/__mock/tasks'))).toBeUndefined();
    expect(images(request('/v1/images/generations'))).toBeUndefined();
  });
});

describe('the directives stage', () => {
  const refusal = { status: 403, headers: {}, body: '', reason: 'Mock controls refused: not you.' };
  const directives = createDirectiveStage({
    access: { check: (_request, door) => (door === 'http' ? { refusal } : { headers: {} }) },
    codes: { statuses: new Map([[1303, 429]]), retryAfter: new Set([1303]) },
    fail,
  });

  it('passes a request without the header untouched', () => {
    const plain = call(request('/v1/images/generations', 'POST'));
    expect(directives(request('/v1/images/generations', 'POST'), 'http', plain)).toBeUndefined();
    expect(plain.directives).toBeUndefined();
  });

  it("sets an allowed caller's directives on its record", () => {
    const sent = request('/v1/images/generations', 'POST', { 'x-kling-mock': 'code=1303; retry-after=2' });
    const steered = call(sent);
    expect(directives(sent, 'in-process', steered)).toBeUndefined();
    expect(steered.directives).toEqual({ code: 1303, retryAfterSeconds: 2 });
  });

  it('refuses a caller the controls would refuse with 1103 and their reason, before reading the header', () => {
    const sent = request('/v1/images/generations', 'POST', { 'x-kling-mock': 'nonsense' });
    const answer = directives(sent, 'http', call(sent));
    expect(answer).toMatchObject({ status: 1103 });
    expect(answer?.body).toContain('Mock controls refused: not you.');
  });

  it('refuses a malformed header with 1200 naming the directive', () => {
    const sent = request('/v1/images/generations', 'POST', { 'x-kling-mock': 'code=1303; colour=red' });
    const answer = directives(sent, 'in-process', call(sent));
    expect(answer).toMatchObject({ status: 1200 });
    expect(answer?.body).toContain(
      'unknown directive "colour"; allowed: code, retry-after, outcome, message, latency',
    );
  });
});

describe('the latency stage', () => {
  afterEach(() => vi.useRealTimers());

  /** Whether the latency stage's wait for `call` is over after `ms` of fake time. */
  async function doneAfter(latency: ReturnType<typeof createLatencyStage>, target: ApiCall, ms: number) {
    let done = false;
    void latency(target)?.then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(ms);
    return done;
  }

  it('makes no promise and no timer without latency, and waits the set time with it', async () => {
    const settings = { latencyMs: 0 };
    const latency = createLatencyStage(settings);
    expect(latency(call(request('/v1/x')))).toBeUndefined();
    vi.useFakeTimers();
    settings.latencyMs = 200;
    expect(await doneAfter(latency, call(request('/v1/x')), 199)).toBe(false);
    vi.useRealTimers();
    vi.useFakeTimers();
    expect(await doneAfter(latency, call(request('/v1/x')), 200)).toBe(true);
  });

  it("waits what the request's directives ask for instead of the configured latency, 0 included", async () => {
    const latency = createLatencyStage({ latencyMs: 5000 });
    vi.useFakeTimers();
    expect(await doneAfter(latency, call(request('/v1/x'), { latencyMs: 50 }), 49)).toBe(false);
    vi.useRealTimers();
    vi.useFakeTimers();
    expect(await doneAfter(latency, call(request('/v1/x'), { latencyMs: 50 }), 50)).toBe(true);
    expect(latency(call(request('/v1/x'), { latencyMs: 0 }))).toBeUndefined();
  });
});

describe('the faults stage', () => {
  const statuses = new Map([
    [1101, 429],
    [1302, 429],
    [1303, 429],
    [5001, 503],
  ]);
  const stage = (draws: (InjectedFault | undefined)[], retryAfterSeconds = 1) => {
    const injectedErrors = createInjectedErrors(statuses, new Set([1302, 1303, 5001]));
    const faults = { draw: () => draws.shift(), retryAfterSeconds };
    const drawFault = createFaultStage({ injectedErrors, faults, fail });
    const draw = (sent: MockRequest, directives?: MockDirectives) => drawFault(sent, call(sent, directives));
    return { injectedErrors, draw };
  };
  const createPath = '/v1/images/omni-image';
  const taskPath = '/v1/images/omni-image/123';

  it('answers injected errors first, in order, once each, before any drawn fault', () => {
    const { injectedErrors, draw } = stage([{ kind: 'rate', code: 1302 }]);
    injectedErrors.inject(1101);
    injectedErrors.inject(5001);
    expect(draw(request('/v1/x'))?.answer).toMatchObject({ status: 1101 });
    expect(draw(request('/v1/x'))?.answer).toMatchObject({ status: 5001 });
    expect(draw(request('/v1/x'))?.answer).toMatchObject({
      status: 429,
      headers: { 'retry-after': '1' },
    });
    expect(draw(request('/v1/x'))).toBeUndefined();
  });

  it('hits only the requests an injection aims at, leaving the others to the API', () => {
    const { injectedErrors, draw } = stage([]);
    injectedErrors.inject(5001, { operation: 'get', family: 'omni', count: 2 });
    expect(draw(request(createPath, 'POST'))).toBeUndefined();
    expect(draw(request('/v1/images/generations/123'))).toBeUndefined();
    expect(draw(request('/v1/images/omni-image'))).toBeUndefined();
    expect(draw(request(taskPath))?.answer).toMatchObject({ status: 5001 });
    expect(draw(request(taskPath))?.answer).toMatchObject({ status: 5001 });
    expect(draw(request(taskPath))).toBeUndefined();
  });

  it("gives injected 1302/1303 the configured Retry-After, an injection's own when it has one, other codes none unless asked", () => {
    const { injectedErrors, draw } = stage([{ kind: 'rate', code: 1302 }], 4);
    injectedErrors.inject(1302);
    injectedErrors.inject(1303, { retryAfterSeconds: 0 });
    injectedErrors.inject(5001);
    injectedErrors.inject(5001, { retryAfterSeconds: 30 });
    const headers = () => draw(request('/v1/x'))?.answer?.headers['retry-after'];
    expect([headers(), headers(), headers(), headers(), headers()]).toEqual(['4', '0', undefined, '30', '4']);
  });

  it("answers a request's directed code before any injection, with its Retry-After, and consumes no injection", () => {
    const { injectedErrors, draw } = stage([]);
    injectedErrors.inject(1101);
    const answer = draw(request('/v1/x'), { code: 1303, retryAfterSeconds: 7 })?.answer;
    expect(answer).toMatchObject({ status: 1303, headers: { 'retry-after': '7' } });
    expect(answer?.body).toContain('X-Kling-Mock');
    expect(draw(request('/v1/x'), { code: 1302 })?.answer?.headers['retry-after']).toBe('1');
    expect(injectedErrors.pending).toBe(1);
  });

  it('turns a drawn 1303 into 1302 on a query (only creates take slots), keeping it on a create', () => {
    const { draw } = stage([
      { kind: 'rate', code: 1303 },
      { kind: 'rate', code: 1303 },
    ]);
    expect(JSON.parse(String(draw(request('/v1/x', 'GET'))?.answer?.body)).code).toBe(1302);
    expect(JSON.parse(String(draw(request('/v1/x', 'POST'))?.answer?.body)).code).toBe(1303);
  });

  it('hands an after-create server fault on a POST to the API as late, and answers it at once otherwise', () => {
    const server = { kind: 'server', status: 503, code: 5001, afterCreate: true } as const;
    const drop = { kind: 'drop', afterCreate: false } as const;
    const { draw } = stage([server, server, drop]);
    expect(draw(request('/v1/x', 'POST'))).toEqual({ late: server });
    expect(draw(request('/v1/x', 'GET'))?.answer).toMatchObject({ status: 503 });
    expect(draw(request('/v1/x', 'POST'))?.answer).toMatchObject({ drop: true });
  });

  it('spoils only a successful answer with a late fault: a refused create stays refused', () => {
    const late = { kind: 'server', status: 500, code: 5000, afterCreate: true } as const;
    expect(applyLateFault(late, ok)).toMatchObject({ status: 500 });
    expect(applyLateFault({ kind: 'drop', afterCreate: true }, ok)).toMatchObject({ drop: true });
    const refused = fail(1201, 'bad');
    expect(applyLateFault(late, refused)).toBe(refused);
  });
});

describe('the auth and limits stages', () => {
  it("auth hands the request's Authorization header to the authenticator", () => {
    const seen: (string | null)[] = [];
    const auth = createAuthStage({
      authenticate: (header) => {
        seen.push(header);
        return { ok: true, account: 'a' };
      },
    });
    expect(auth(request('/v1/x', 'GET', { authorization: 'Bearer t' }))).toEqual({ ok: true, account: 'a' });
    auth(request('/v1/x'));
    expect(seen).toEqual(['Bearer t', null]);
  });

  it("limits answer the account's rate refusal with its code, and pass an account within its rate", () => {
    const limit = createLimitStage(
      { checkRate: (account) => (account === 'busy' ? { code: 1302, message: 'too fast' } : undefined) },
      fail,
    );
    expect(limit('busy')).toMatchObject({ status: 1302, body: 'too fast' });
    expect(limit('idle')).toBeUndefined();
  });
});

describe('the composed pipeline', () => {
  /** Stages that pass everything on and record their order; `overrides` replace some. */
  function stages(calls: string[], overrides: Partial<PipelineStages> = {}): PipelineStages {
    const pass =
      (name: string) =>
      (..._args: unknown[]): undefined => {
        calls.push(name);
      };
    return {
      readablePath: pass('readablePath'),
      controls: pass('controls'),
      preflight: pass('preflight'),
      images: pass('images'),
      journal: {
        open: (sent) => {
          calls.push('journal.open');
          return call(sent);
        },
        settle: (_call, answer) => {
          calls.push('journal.settle');
          return answer;
        },
      },
      apiPath: pass('apiPath'),
      directives: pass('directives'),
      progress: pass('progress'),
      latency: pass('latency'),
      faults: pass('faults'),
      auth: (): AuthResult => {
        calls.push('auth');
        return { ok: true, account: 'a' };
      },
      limits: pass('limits'),
      api: () => {
        calls.push('api');
        return ok;
      },
      fail,
      ...overrides,
    };
  }

  /** The stages every request passes, in order, before its path is read as an API path. */
  const BEFORE_API_PATH = ['readablePath', 'controls', 'preflight', 'images', 'journal.open'];

  it('runs every stage in order and answers synchronously when no stage waits', () => {
    const calls: string[] = [];
    const answer = createPipeline(stages(calls))(request('/v1/x'), 'http');
    expect(answer).toBe(ok);
    expect(calls).toEqual([
      ...BEFORE_API_PATH,
      'apiPath',
      'directives',
      'progress',
      'latency',
      'faults',
      'auth',
      'limits',
      'api',
      'journal.settle',
    ]);
  });

  it('stops at the first stage that answers, and settles the journal record of an API request with it', () => {
    const calls: string[] = [];
    const refused = fail(1203, 'nope');
    const handle = createPipeline(stages(calls, { apiPath: () => refused }));
    expect(handle(request('/x'), 'http')).toBe(refused);
    expect(calls).toEqual([...BEFORE_API_PATH, 'journal.settle']);
    const before: string[] = [];
    const early = createPipeline(stages(before, { preflight: () => ok }));
    expect(early(request('/v1/x', 'OPTIONS'), 'http')).toBe(ok);
    expect(before).toEqual(['readablePath', 'controls']);
  });

  it("records the account and the answer in the request's record, also when a stage throws or an answer rejects", async () => {
    const journal = createJournal(10, { now: () => 0 }, createAccountLabels([]));
    const base = { journal };
    const sync = createPipeline(stages([], base));
    sync(request('/v1/images/omni-image/7'), 'http');
    const throwing = createPipeline(
      stages([], {
        ...base,
        limits: () => {
          throw new Error('boom');
        },
      }),
    );
    expect(throwing(request('/v1/x'), 'http')).toMatchObject({ status: 5000 });
    const rejecting = createPipeline(stages([], { ...base, api: () => Promise.reject(new Error('boom')) }));
    expect(await rejecting(request('/v1/x'), 'http')).toMatchObject({ status: 5000 });
    const label = expect.stringMatching(/^unknown-account:…#[0-9a-f]{8}$/);
    expect(
      journal
        .requests()
        .map(({ sequence, account, status, operation }) => ({ sequence, account, status, operation })),
    ).toEqual([
      { sequence: 1, account: label, status: 200, operation: 'getOmniImageTask' },
      // Limits threw after auth: the account is known, the answer is the 5000 that replaced the crash.
      { sequence: 2, account: label, status: 5000, operation: null },
      { sequence: 3, account: label, status: 5000, operation: null },
    ]);
  });

  it('answers refused credentials with their code, before limits and the API', () => {
    const calls: string[] = [];
    const handle = createPipeline(
      stages(calls, { auth: () => ({ ok: false, code: 1004, message: 'expired' }) }),
    );
    expect(handle(request('/v1/x'), 'http')).toMatchObject({ status: 1004, body: 'expired' });
    expect(calls).not.toContain('limits');
    expect(calls).not.toContain('api');
  });

  it('waits only where a stage waits: a first-seen token, latency', async () => {
    const asyncAuth = createPipeline(stages([], { auth: async () => ({ ok: true, account: 'a' }) }));
    const answer = asyncAuth(request('/v1/x'), 'http');
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toBe(ok);
    const slow = createPipeline(stages([], { latency: () => Promise.resolve() }));
    expect(await slow(request('/v1/x'), 'http')).toBe(ok);
  });

  it('applies a late fault to the API answer, synchronous or not', async () => {
    const late = { kind: 'server', status: 504, code: 5002, afterCreate: true } as const;
    const sync = createPipeline(stages([], { faults: () => ({ late }) }));
    expect(sync(request('/v1/x', 'POST'), 'http')).toMatchObject({ status: 504 });
    const waiting = createPipeline(stages([], { faults: () => ({ late }), api: async () => ok }));
    expect(await waiting(request('/v1/x', 'POST'), 'http')).toMatchObject({ status: 504 });
  });

  it('turns a throwing stage or a rejected answer into 5000, never a crash', async () => {
    const throwing = createPipeline(
      stages([], {
        limits: () => {
          throw new Error('boom');
        },
      }),
    );
    expect(throwing(request('/v1/x'), 'http')).toMatchObject({ status: 5000 });
    const rejecting = createPipeline(stages([], { images: () => Promise.reject(new Error('boom')) }));
    expect(await rejecting(request('/__mock/images/x'), 'http')).toMatchObject({ status: 5000 });
  });
});
