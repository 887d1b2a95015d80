export interface CallbackOptions {
  /**
   * Hosts callbacks may be sent to. Default: loopback only (`127.0.0.1`, `localhost`, `::1`), so a mock
   * never contacts the outside world. A create naming another host is refused with 400 / 1201.
   */
  allowedHosts?: string[];
  /** Attempts per delivery. Default 3. */
  attempts?: number;
  /** First retry delay in real ms, doubled per attempt. Default 200. */
  retryDelayMs?: number;
  /** Per-attempt timeout in real ms. Default 5000. */
  timeoutMs?: number;
  /** Sends the POSTs; default: the global fetch. Tests inject their own. */
  fetch?: (request: Request) => Promise<Response>;
}

/** One attempt to deliver one status change. */
export interface CallbackDelivery {
  taskId: string;
  taskStatus: string;
  url: string;
  attempt: number;
  ok: boolean;
  httpStatus?: number;
  error?: string;
  at: number;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1', '[::1]'];
const MAX_RECORDED = 10_000;

/**
 * POSTs the bare task object to `callback_url` on every status change, in the background: delivery never
 * blocks request handling. Failed attempts (network error, timeout, non-2xx, redirect) are retried with
 * doubling delays up to `attempts`; redirects are never followed. Every attempt is recorded for inspection.
 */
export function createCallbackDispatcher(options: CallbackOptions = {}) {
  const allowed = new Set((options.allowedHosts ?? LOOPBACK).map((host) => host.toLowerCase()));
  const attempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const timeoutMs = options.timeoutMs ?? 5000;
  const send = options.fetch ?? ((request: Request) => fetch(request));
  const deliveries: CallbackDelivery[] = [];
  const pending = new Set<Promise<void>>();

  const record = (delivery: CallbackDelivery) => {
    deliveries.push(delivery);
    if (deliveries.length > MAX_RECORDED) deliveries.shift();
  };

  async function deliver(url: string, task: { task_id: string; task_status: string }) {
    const body = JSON.stringify(task);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const base = { taskId: task.task_id, taskStatus: task.task_status, url, attempt, at: Date.now() };
      // The attempt ends when the dispatcher's own timer says so. Aborting the request is not enough on its
      // own: fetch follows the caller's signal only weakly, and after a garbage collection an abort (from
      // AbortSignal.timeout() or a controller alike) could be lost, leaving a silent receiver holding the
      // delivery for good (found by the callback-safety test). The abort still closes the connection.
      const controller = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const reason = new DOMException(
            `Callback timeout: no answer within ${timeoutMs} ms`,
            'TimeoutError',
          );
          controller.abort(reason);
          reject(reason);
        }, timeoutMs);
      });
      try {
        const request = new Request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'klingkit-mock-server' },
          body,
          redirect: 'manual',
          signal: controller.signal,
        });
        const response = await Promise.race([send(request), timedOut]);
        await Promise.race([response.body?.cancel(), timedOut]);
        const ok = response.status >= 200 && response.status < 300;
        record({ ...base, ok, httpStatus: response.status });
        if (ok) return;
      } catch (error) {
        record({ ...base, ok: false, error: error instanceof Error ? error.message : String(error) });
      } finally {
        clearTimeout(timer);
      }
      if (attempt < attempts)
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
    }
  }

  return {
    /** Why `url` may not be used as a callback, or undefined when it may. */
    refuse(url: string): string | undefined {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return 'is not a valid URL';
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must use http or https';
      if (!allowed.has(parsed.hostname.toLowerCase())) {
        return `host ${parsed.hostname} is not allowed by this mock server (allowed: ${[...allowed].join(', ')})`;
      }
      return undefined;
    },
    /** Queues the delivery of one status change. */
    dispatch(url: string, task: { task_id: string; task_status: string }) {
      const delivery = deliver(url, task).finally(() => pending.delete(delivery));
      pending.add(delivery);
    },
    deliveries(): readonly CallbackDelivery[] {
      return deliveries;
    },
    /** Deliveries still being attempted or waiting to retry. */
    get inFlight() {
      return pending.size;
    },
    /** At most this many attempts are kept for inspection; older ones are forgotten. */
    recordLimit: MAX_RECORDED,
    /** Resolves when every queued delivery has finished (tests and shutdown). */
    async idle() {
      while (pending.size > 0) await Promise.all(pending);
    },
    clear() {
      deliveries.length = 0;
    },
  };
}

export type CallbackDispatcher = ReturnType<typeof createCallbackDispatcher>;
