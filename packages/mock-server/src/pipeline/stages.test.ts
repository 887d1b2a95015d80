import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthResult } from '../auth/authenticator.js';
import type { InjectedFault } from '../faults/fault-injector.js';
import { createInjectedErrors } from '../faults/injected-errors.js';
import type { MockRequest, MockResponse } from '../http/mock-request.js';
import type { MockContext } from '../mock-context.js';
import { createPipeline, type PipelineStages } from './pipeline.js';
import {
  applyLateFault,
  createApiPathStage,
  createAuthStage,
  createControlStage,
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

describe('the latency stage', () => {
  afterEach(() => vi.useRealTimers());

  it('makes no promise and no timer without latency, and waits the set time with it', async () => {
    const settings = { latencyMs: 0 };
    const latency = createLatencyStage(settings);
    expect(latency()).toBeUndefined();
    vi.useFakeTimers();
    settings.latencyMs = 200;
    let done = false;
    void latency()?.then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(199);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });
});

describe('the faults stage', () => {
  const statuses = new Map([
    [1101, 429],
    [5001, 503],
  ]);
  const stage = (draws: (InjectedFault | undefined)[]) => {
    const injectedErrors = createInjectedErrors(statuses);
    const drawFault = createFaultStage({ injectedErrors, faults: { draw: () => draws.shift() }, fail });
    return { injectedErrors, drawFault };
  };

  it('answers injected errors first, in order, once each, before any drawn fault', () => {
    const { injectedErrors, drawFault } = stage([{ kind: 'rate', code: 1302 }]);
    injectedErrors.inject(1101);
    injectedErrors.inject(5001);
    expect(drawFault(request('/v1/x'))?.answer).toMatchObject({ status: 1101 });
    expect(drawFault(request('/v1/x'))?.answer).toMatchObject({ status: 5001 });
    expect(drawFault(request('/v1/x'))?.answer).toMatchObject({
      status: 429,
      headers: { 'retry-after': '1' },
    });
    expect(drawFault(request('/v1/x'))).toBeUndefined();
  });

  it('turns a drawn 1303 into 1302 on a query (only creates take slots), keeping it on a create', () => {
    const { drawFault } = stage([
      { kind: 'rate', code: 1303 },
      { kind: 'rate', code: 1303 },
    ]);
    expect(JSON.parse(String(drawFault(request('/v1/x', 'GET'))?.answer?.body)).code).toBe(1302);
    expect(JSON.parse(String(drawFault(request('/v1/x', 'POST'))?.answer?.body)).code).toBe(1303);
  });

  it('hands an after-create server fault on a POST to the API as late, and answers it at once otherwise', () => {
    const server = { kind: 'server', status: 503, code: 5001, afterCreate: true } as const;
    const drop = { kind: 'drop', afterCreate: false } as const;
    const { drawFault } = stage([server, server, drop]);
    expect(drawFault(request('/v1/x', 'POST'))).toEqual({ late: server });
    expect(drawFault(request('/v1/x', 'GET'))?.answer).toMatchObject({ status: 503 });
    expect(drawFault(request('/v1/x', 'POST'))?.answer).toMatchObject({ drop: true });
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
      apiPath: pass('apiPath'),
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

  it('runs every stage in order and answers synchronously when no stage waits', () => {
    const calls: string[] = [];
    const answer = createPipeline(stages(calls))(request('/v1/x'), 'http');
    expect(answer).toBe(ok);
    expect(calls).toEqual([
      'readablePath',
      'controls',
      'preflight',
      'images',
      'apiPath',
      'progress',
      'latency',
      'faults',
      'auth',
      'limits',
      'api',
    ]);
  });

  it('stops at the first stage that answers', () => {
    const calls: string[] = [];
    const refused = fail(1203, 'nope');
    const handle = createPipeline(stages(calls, { apiPath: () => refused }));
    expect(handle(request('/x'), 'http')).toBe(refused);
    expect(calls).toEqual(['readablePath', 'controls', 'preflight', 'images']);
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
