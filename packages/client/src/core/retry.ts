import { KlingAbortError } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** First backoff step; the platform asks for at least one second on 1302/1303. Default 1000 ms. */
  baseDelayMs?: number;
  /** Upper bound of one wait. Default 30 000 ms. */
  maxDelayMs?: number;
}

/**
 * Exponential backoff with jitter (half fixed, half random, so retries of many clients spread out but
 * never collapse to zero). A server's `Retry-After` wins when it asks for longer, capped by `maxDelayMs`.
 */
export function backoffDelay(retry: number, options: Required<RetryOptions>, retryAfterMs?: number): number {
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  const jittered = exponential * (0.5 + Math.random() / 2);
  return Math.min(options.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** Waits `ms`, rejecting with a KlingAbortError as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): KlingAbortError {
  return new KlingAbortError('Aborted by its AbortSignal.', { cause: signal.reason });
}
