/**
 * What the send loop does after a failed attempt. Only the failure path (core/failure.ts, loaded on the first
 * failed attempt) imports this module, so none of it is in the browser entry.
 */

import type { Resolved } from './options.js';

export interface RetryOptions {
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number | undefined;
  /** First backoff step; the platform asks for at least one second on 1302/1303. Default 1000 ms. */
  baseDelayMs?: number | undefined;
  /** Upper bound of one wait. Default 30 000 ms. */
  maxDelayMs?: number | undefined;
}

/** A number from 0 (inclusive) to 1 (exclusive), like `Math.random()`. */
export type RandomSource = () => number;

/**
 * Exponential backoff with jitter (half fixed, half random, so retries of many clients spread out but
 * never collapse to zero). A server's `Retry-After` wins when it asks for longer, capped by `maxDelayMs`.
 */
export function backoffDelay(
  retry: number,
  options: Resolved<RetryOptions>,
  retryAfterMs?: number,
  random: RandomSource = Math.random,
): number {
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  return Math.min(options.maxDelayMs, Math.max(exponential * (0.5 + random() / 2), retryAfterMs ?? 0));
}

/** What one call has been through so far, as the send loop keeps it. */
export interface RetryState {
  /** A GET may be replayed after any retryable failure; a POST may have made a task already. */
  method: 'GET' | 'POST';
  /** Retries sent so far (a resend after re-signing does not count). */
  retry: number;
  /** A fresh token was already signed for this call after a 1003/1004. */
  resigned?: boolean;
  /** The call can look up what an ambiguous attempt made (a create with its `external_task_id`). */
  recoverable?: boolean;
  /** An earlier attempt of this call may have landed. */
  ambiguous?: boolean;
  /** The look-up for this failure ran and found nothing. */
  lookedUp?: boolean;
  /** Milliseconds left before the call's deadline; Infinity without one. */
  leftMs: number;
}

/** A failed attempt as the decision sees it. */
export interface RetryFailure {
  /** The business code of the answer; undefined without one. */
  code?: number | undefined;
  /** The HTTP status of the answer; undefined when no answer arrived. */
  httpStatus?: number | undefined;
  /** Whether sending the same request later can succeed (from the error). */
  retryable: boolean;
  /** The server's `Retry-After`, when it sent one. */
  retryAfterMs?: number | undefined;
}

/**
 * What the send loop does after a failed attempt: `'resign'` (sign a fresh token and resend at once, not
 * counted as a retry), `'look-up'` (find what an ambiguous create made before anything is sent again; decide
 * once more with `lookedUp` when it found nothing), `'fail'` with the attempt's error, `'expire'` (the call's
 * deadline would end before the backoff and the next attempt), or a number: retry after that many ms.
 */
export type RetryDecision = 'resign' | 'look-up' | 'fail' | 'expire' | number;

/**
 * The send loop's decision after a failed attempt, as a pure function of what happened: whether the request
 * may be replayed, after how long, and whether a look-up must come first. `random` drives the jitter.
 */
export function decideRetry(
  failure: RetryFailure,
  state: RetryState,
  settings: Resolved<RetryOptions>,
  random?: RandomSource,
): RetryDecision {
  const { code } = failure;
  // 1003/1004: the token was not yet valid or had expired; a freshly signed one cures it.
  if (!state.resigned && (code === 1003 || code === 1004)) return 'resign';
  // 1302/1303 (too fast, too many at once) certainly made no task, so even a create may be resent.
  let mayReplay = state.method === 'GET' || code === 1302 || code === 1303;
  if (state.recoverable) {
    // After an ambiguous attempt, "external_task_id already used" (1201) means that attempt landed.
    const duplicate = state.ambiguous && code === 1201;
    // No answer (no status), or a 5xx: the attempt may have made the task.
    if (duplicate || !((failure.httpStatus as number) < 500)) {
      if (!state.lookedUp) return 'look-up';
      // The look-up found nothing: a duplicate is then another task's id; an unclear attempt made nothing.
      if (duplicate) return 'fail';
      mayReplay = true;
    }
  }
  if (!mayReplay || !failure.retryable) return 'fail';
  const delayMs = backoffDelay(state.retry, settings, failure.retryAfterMs, random);
  // The deadline ended this attempt, or would end before the backoff and the next attempt.
  if (delayMs >= state.leftMs) return 'expire';
  return state.retry < settings.maxRetries ? delayMs : 'fail';
}
