import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  decideRetry,
  type RetryDecision,
  type RetryFailure,
  type RetryState,
} from './retry.js';

const settings = { maxRetries: 2, baseDelayMs: 1000, maxDelayMs: 30_000 };
/** The middle of the jitter: every delay below is exactly 3/4 of its exponential step. */
const half = () => 0.5;

// Failures as the send loop sees them.
const lost: RetryFailure = { retryable: true }; // no answer: no status, no code
const api = (code: number, httpStatus: number, retryable: boolean, retryAfterMs?: number): RetryFailure => ({
  code,
  httpStatus,
  retryable,
  retryAfterMs,
});
const expired = api(1004, 401, false);
const tooFast = api(1303, 429, true);
const serverError = api(5000, 500, true);
const duplicate = api(1201, 400, false);
const badRequest = api(1201, 400, false);
const balance = api(1102, 429, false);

const get: RetryState = { method: 'GET', retry: 0, leftMs: Infinity };
const post: RetryState = { method: 'POST', retry: 0, leftMs: Infinity };
const create: RetryState = { method: 'POST', retry: 0, leftMs: Infinity, recoverable: true };

describe('decideRetry', () => {
  it.each<[string, RetryFailure, RetryState, RetryDecision]>([
    // Tokens: one fresh signature, not counted as a retry; a second refusal fails.
    ['a 1004 is cured by re-signing', expired, get, 'resign'],
    ['even on a create', expired, create, 'resign'],
    ['but only once per call', expired, { ...get, resigned: true }, 'fail'],
    // GETs are replayed after anything retryable.
    ['a GET after a lost answer', lost, get, 750],
    ['a GET after 5000', serverError, get, 750],
    ['a GET after 1303', tooFast, get, 750],
    ['never after 1102 (balance)', balance, get, 'fail'],
    ['never after a parameter error', badRequest, get, 'fail'],
    // A raw POST may have made a task: replayed only when the server certainly made nothing.
    ['a raw POST after 1303', tooFast, post, 750],
    ['not a raw POST after a lost answer', lost, post, 'fail'],
    ['not a raw POST after 5000', serverError, post, 'fail'],
    // A create looks up what an ambiguous attempt made before anything is sent again.
    ['a create after a lost answer looks up first', lost, create, 'look-up'],
    ['a create after a 5xx looks up first', serverError, create, 'look-up'],
    ['and replays when the look-up found nothing', lost, { ...create, lookedUp: true, ambiguous: true }, 750],
    ['a create after 1303 replays without a look-up', tooFast, create, 750],
    [
      'a 1201 after an ambiguous attempt may be that attempt',
      duplicate,
      { ...create, ambiguous: true },
      'look-up',
    ],
    [
      'and fails when the look-up found nothing',
      duplicate,
      { ...create, ambiguous: true, lookedUp: true },
      'fail',
    ],
    ['a 1201 without an ambiguous attempt is a parameter error', duplicate, create, 'fail'],
    // The budget and the deadline.
    ['the last retry of the budget', lost, { ...get, retry: 1 }, 1500],
    ['no retry past maxRetries', lost, { ...get, retry: 2 }, 'fail'],
    ['no backoff that would outlast the deadline', lost, { ...get, leftMs: 750 }, 'expire'],
    ['a backoff that ends before it', lost, { ...get, leftMs: 751 }, 750],
    ['the deadline is told before the budget', lost, { ...get, retry: 2, leftMs: 10 }, 'expire'],
  ])('%s', (_, failure, state, decision) => {
    expect(decideRetry(failure, state, settings, half)).toBe(decision);
  });

  it("waits as long as the server's Retry-After asks, up to maxDelayMs", () => {
    expect(decideRetry(api(1303, 429, true, 5000), get, settings, half)).toBe(5000);
    expect(decideRetry(api(1303, 429, true, 60_000), get, settings, half)).toBe(30_000);
    // A short Retry-After does not shorten the backoff.
    expect(decideRetry(api(1303, 429, true, 10), get, settings, half)).toBe(750);
  });
});

describe('backoffDelay', () => {
  it('doubles per retry, with jitter between half and the whole step, from the injected random source', () => {
    const table: [retry: number, random: number, delay: number][] = [
      [0, 0, 500],
      [0, 0.5, 750],
      [0, 0.999, 999.5],
      [1, 0, 1000],
      [2, 0.5, 3000],
      [4, 0, 8000],
      // Capped by maxDelayMs before and after the jitter.
      [5, 0.5, 22_500],
      [6, 0, 15_000],
      [6, 0.999, 29_985],
      [20, 0.999, 29_985],
    ];
    for (const [retry, random, delay] of table) {
      expect(
        backoffDelay(retry, settings, undefined, () => random),
        `retry ${retry}, random ${random}`,
      ).toBe(delay);
    }
  });

  it('never goes below half a step, so the retries of many clients never collapse to zero', () => {
    for (let retry = 0; retry < 8; retry++) {
      const step = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** retry);
      expect(backoffDelay(retry, settings, undefined, () => 0)).toBe(step / 2);
    }
  });
});
