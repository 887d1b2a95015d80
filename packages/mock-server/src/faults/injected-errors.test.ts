import { describe, expect, it } from 'vitest';
import { createInjectedErrors } from './injected-errors.js';

describe('injected errors', () => {
  const statuses = new Map([
    [1101, 429],
    [1304, 403],
  ]);

  it('hands out queued codes in order, each once', () => {
    const injected = createInjectedErrors(statuses);
    injected.inject(1304, 2);
    injected.inject(1101);
    expect([injected.next(), injected.next(), injected.next(), injected.next()]).toEqual([
      1304,
      1304,
      1101,
      undefined,
    ]);
  });

  it('takes only codes the spec documents, and a count in range; a refused call queues nothing', () => {
    const injected = createInjectedErrors(statuses);
    expect(() => injected.inject(1234)).toThrow(
      /code must be a code the spec documents \(1101, 1304\); got 1234/,
    );
    expect(() => injected.inject('1101' as unknown as number)).toThrow(/got "1101" \(a string\)/);
    expect(() => injected.inject(1101, -1)).toThrow(/count must be a whole number from 0 to 10000/);
    expect(() => injected.inject(1101, 10_001)).toThrow(/count must be/);
    expect(injected.pending).toBe(0);
    injected.inject(1101, 3);
    injected.clear();
    expect(injected.next()).toBeUndefined();
  });
});
