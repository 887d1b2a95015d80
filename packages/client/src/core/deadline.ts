import { KlingAbortError, KlingConnectionError } from './errors.js';

/**
 * Per-request timeouts without a timer per request: a timer and an AbortSignal per call were the client's
 * largest cost (tools/bench/README.md), so long timeouts share one sweeper that checks deadlines every
 * SWEEP_MS; short ones (under ten sweeps) get their own timer to stay accurate.
 */
const SWEEP_MS = 100;
/** Ten sweeps: shorter timeouts get a timer of their own. */
const SHORT_MS = 1000;

interface Watch {
  at: number;
  expire(): void;
}

const watched = new Set<Watch>();
let sweeper: ReturnType<typeof setInterval> | undefined;

function sweep() {
  const now = Date.now();
  for (const watch of watched) {
    if (now >= watch.at) {
      watched.delete(watch);
      watch.expire();
    }
  }
  // The sweeper is what calls this, so it is set.
  if (!watched.size) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/**
 * Settles like `work`, or rejects with a timed-out KlingConnectionError once `timeoutMs` has passed (0 or
 * Infinity: no limit). The work is abandoned, not aborted: a caller's AbortSignal is what cancels a request
 * for real.
 */
export function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  if (timeoutMs <= 0) return work;
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watch: Watch = {
      at: Date.now() + timeoutMs,
      expire() {
        // Nobody awaits the abandoned work any more; its late failure must not surface as unhandled.
        work.catch(() => {});
        reject(new KlingConnectionError(`no answer within ${timeoutMs} ms`, { timedOut: true }));
      },
    };
    if (timeoutMs < SHORT_MS) {
      timer = setTimeout(watch.expire, timeoutMs);
    } else {
      watched.add(watch);
      if (!sweeper) {
        sweeper = setInterval(sweep, SWEEP_MS);
        // Node: a pending deadline must not keep the process alive on its own.
        (sweeper as { unref?: () => void }).unref?.();
      }
    }
    // Clears whichever of the two was used; the other call does nothing.
    const settle = () => {
      clearTimeout(timer);
      watched.delete(watch);
    };
    work.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
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
