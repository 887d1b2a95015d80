import { describe, expect, it } from 'vitest';
import type { DocumentedErrorCode } from '../validation/spec.js';
import { createInjectedErrors, type InjectErrorOptions, type InjectionTarget } from './injected-errors.js';

describe('injected errors', () => {
  const statuses = new Map([
    [1101, 429],
    [1303, 429],
    [1304, 403],
    [5000, 500],
  ]);
  const any: InjectionTarget = { kind: undefined, family: undefined };
  const codeOf = (injected: ReturnType<typeof createInjectedErrors>, target = any) =>
    injected.next(target)?.code;

  it('hands out queued codes in order, each once', () => {
    const injected = createInjectedErrors(statuses);
    injected.inject(1304, 2);
    injected.inject(1101);
    expect([codeOf(injected), codeOf(injected), codeOf(injected), codeOf(injected)]).toEqual([
      1304,
      1304,
      1101,
      undefined,
    ]);
  });

  it('gives each request the first injection aimed at it, by operation and family, and keeps the rest queued', () => {
    const injected = createInjectedErrors(statuses);
    injected.inject(1304, { operation: 'get', family: 'omni', count: 2 });
    injected.inject(5000, { operation: 'create' });
    injected.inject(1101, { family: 'generations' });
    expect(codeOf(injected, { kind: 'create', family: 'omni' })).toBe(5000);
    expect(codeOf(injected, { kind: 'create', family: 'omni' })).toBeUndefined();
    expect(codeOf(injected, { kind: 'list', family: 'omni' })).toBeUndefined();
    expect(codeOf(injected, { kind: 'get', family: 'generations' })).toBe(1101);
    expect(codeOf(injected, { kind: 'get', family: 'omni' })).toBe(1304);
    // An unmatched route (no kind, no family) only takes injections aimed at nothing in particular.
    expect(codeOf(injected, any)).toBeUndefined();
    expect(injected.pending).toBe(1);
    expect(codeOf(injected, { kind: 'get', family: 'omni' })).toBe(1304);
    expect(injected.pending).toBe(0);
  });

  it('keeps the Retry-After asked for, for codes whose answers carry one', () => {
    const injected = createInjectedErrors(statuses, new Set([1101, 1303]));
    injected.inject(1303, { retryAfterSeconds: 3 });
    injected.inject(1303);
    expect(injected.next(any)).toMatchObject({ code: 1303, retryAfterSeconds: 3 });
    expect(injected.next(any)).toMatchObject({ code: 1303, retryAfterSeconds: undefined });
    expect(() => injected.inject(5000, { retryAfterSeconds: 3 })).toThrow(
      'retryAfterSeconds goes with a code whose answer carries Retry-After (1101, 1303); code 5000 does not',
    );
  });

  it('takes only codes the spec documents, known options and values in range; a refused call queues nothing', () => {
    const injected = createInjectedErrors(statuses, new Set([1303]));
    const unchecked = (code: unknown, options?: unknown) =>
      injected.inject(code as DocumentedErrorCode, options as InjectErrorOptions);
    expect(() => unchecked(1234)).toThrow(
      /code must be a code the spec documents \(1101, 1303, 1304, 5000\); got 1234/,
    );
    expect(() => unchecked('1101')).toThrow(/got "1101" \(a string\)/);
    expect(() => injected.inject(1101, -1)).toThrow(/count must be a whole number from 0 to 10000/);
    expect(() => injected.inject(1101, 10_001)).toThrow(/count must be/);
    expect(() => unchecked(1101, '3')).toThrow(/count must be a whole number from 0 to 10000; got "3"/);
    expect(() => unchecked(1101, { count: 2.5 })).toThrow(/count must be a whole number/);
    expect(() => unchecked(1101, { operation: 'poll' })).toThrow(
      'operation must be one of create, get, list; got "poll" (a string)',
    );
    expect(() => unchecked(1101, { family: 'video' })).toThrow('family must be one of generations, omni');
    expect(() => unchecked(1101, { times: 2 })).toThrow(
      'options has no field "times"; allowed: operation, family, count, retryAfterSeconds',
    );
    expect(() => unchecked(1303, { retryAfterSeconds: 3601 })).toThrow(
      'retryAfterSeconds must be a whole number from 0 to 3600 (1 hour); got 3601',
    );
    expect(() => unchecked(1303, { retryAfterSeconds: Number.POSITIVE_INFINITY })).toThrow(/got Infinity/);
    expect(injected.pending).toBe(0);
    // `null` (as JSON sends it) means the default.
    unchecked(1101, { operation: null, family: null, count: null, retryAfterSeconds: null });
    expect(injected.next({ kind: 'list', family: 'omni' })).toMatchObject({ code: 1101 });
    injected.inject(1101, 3);
    injected.clear();
    expect(injected.next(any)).toBeUndefined();
    expect(injected.pending).toBe(0);
  });

  it('bounds what is pending in all, however it was asked for', () => {
    const injected = createInjectedErrors(statuses);
    injected.inject(1101, { operation: 'get', count: 6000 });
    expect(() => injected.inject(1304, { family: 'omni', count: 5000 })).toThrow(
      'count 5000 is too many: inject-error already holds 6000 and may hold at most 10000',
    );
  });
});
