import { afterEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from './deadline.js';

afterEach(() => {
  vi.useRealTimers();
});

const never = () => new Promise<never>(() => {});

describe('withDeadline', () => {
  it('passes results and failures through, and 0 disables the limit', async () => {
    await expect(withDeadline(Promise.resolve(1), 50)).resolves.toBe(1);
    await expect(withDeadline(Promise.reject(new Error('boom')), 50)).rejects.toThrow('boom');
    const work = Promise.resolve(2);
    expect(withDeadline(work, 0)).toBe(work);
  });

  it.each([
    ['a short limit (own timer)', 200],
    ['a long limit (shared sweeper)', 60_000],
  ])('rejects work that outlives %s, not before', async (_name, limit) => {
    vi.useFakeTimers();
    let settled: unknown;
    withDeadline(never(), limit).catch((error: Error) => {
      settled = error.message;
    });
    await vi.advanceTimersByTimeAsync(limit - 150);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(300);
    expect(settled).toBe(`no answer within ${limit} ms`);
  });

  it('swallows a late failure of abandoned work instead of leaving it unhandled', async () => {
    vi.useFakeTimers();
    let fail: (error: Error) => void = () => {};
    const work = new Promise<never>((_, reject) => {
      fail = reject;
    });
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    await expect(
      Promise.all([withDeadline(work, 100), vi.advanceTimersByTimeAsync(150)]),
    ).rejects.toMatchObject({ name: 'KlingConnectionError', timedOut: true });
    fail(new Error('late'));
    await vi.advanceTimersByTimeAsync(10);
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });
});
