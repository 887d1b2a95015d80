import { createSelfTargets } from './self-target.js';

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
  /** Deliveries being attempted (or waiting to retry) at once: sockets the mock opens. Default 32. */
  maxInFlight?: number;
  /**
   * Deliveries waiting for a free slot. Default 10 000. Past it a status change is not delivered: the drop
   * is recorded as a delivery (`dropped: true`, attempt 0) and counted in `stats().callbacks.dropped`.
   */
  maxQueued?: number;
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
  /** Never sent (attempt 0): the queue was full, or the URL turned out to reach the mock itself. */
  dropped?: true;
  at: number;
}

interface Job {
  url: string;
  requestOrigin: string | undefined;
  taskId: string;
  taskStatus: string;
  body: string;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1', '[::1]'];
const MAX_RECORDED = 10_000;

/**
 * POSTs the bare task object to `callback_url` on every status change, in the background: delivery never
 * blocks request handling. Failed attempts (network error, timeout, non-2xx, redirect) are retried with
 * doubling delays up to `attempts`; redirects are never followed. At most `maxInFlight` deliveries run at
 * once and `maxQueued` wait; every attempt, and every delivery dropped, is recorded for inspection.
 * A callback never reaches the mock itself (`self`): refused at create, and checked again before sending.
 */
export function createCallbackDispatcher(options: CallbackOptions = {}, self = createSelfTargets()) {
  const allowed = new Set((options.allowedHosts ?? LOOPBACK).map((host) => host.toLowerCase()));
  const attempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxInFlight = options.maxInFlight ?? 32;
  const maxQueued = options.maxQueued ?? 10_000;
  for (const [name, value, min] of [
    ['maxInFlight', maxInFlight, 1],
    ['maxQueued', maxQueued, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < min)
      throw new RangeError(`callbacks.${name} must be a whole number >= ${min}; got ${value}`);
  }
  const send = options.fetch ?? ((request: Request) => fetch(request));
  const deliveries: CallbackDelivery[] = [];
  const pending = new Set<Promise<void>>();
  // A FIFO without Array#shift (which moves every waiting entry): read from `head`, compact now and then.
  let queue: (Job | undefined)[] = [];
  let head = 0;
  let dropped = 0;

  const record = (delivery: CallbackDelivery) => {
    deliveries.push(delivery);
    if (deliveries.length > MAX_RECORDED) deliveries.shift();
  };

  const drop = (job: Job, error: string) => {
    dropped++;
    record({
      taskId: job.taskId,
      taskStatus: job.taskStatus,
      url: job.url,
      attempt: 0,
      ok: false,
      dropped: true,
      error,
      at: Date.now(),
    });
  };

  const start = (job: Job) => {
    const delivery = deliver(job).finally(() => {
      pending.delete(delivery);
      startQueued();
    });
    pending.add(delivery);
  };

  const startQueued = () => {
    while (pending.size < maxInFlight && head < queue.length) {
      const job = queue[head] as Job;
      queue[head++] = undefined;
      start(job);
    }
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };

  async function deliver(job: Job) {
    const { url, body } = job;
    // The mock may have started listening (or moved) since the create: check the target again.
    const itself = refuseSelf(url, job.requestOrigin);
    if (itself) {
      drop(job, `refused: callback_url ${itself}`);
      return;
    }
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const base = { taskId: job.taskId, taskStatus: job.taskStatus, url, attempt, at: Date.now() };
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

  function refuseSelf(url: string, requestOrigin: string | undefined): string | undefined {
    try {
      return self.reason(new URL(url), requestOrigin);
    } catch {
      return 'is not a valid URL';
    }
  }

  return {
    /** The mock's own origins and listeners, which callbacks may never reach. */
    self,
    /**
     * Why `url` may not be used as a callback, or undefined when it may. `requestOrigin` is the origin the
     * create came in on: a callback there would call the mock itself.
     */
    refuse(url: string, requestOrigin?: string): string | undefined {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return 'is not a valid URL';
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must use http or https';
      const itself = self.reason(parsed, requestOrigin);
      if (itself) return itself;
      if (!allowed.has(parsed.hostname.toLowerCase())) {
        return `host ${parsed.hostname} is not allowed by this mock server (allowed: ${[...allowed].join(', ')})`;
      }
      return undefined;
    },
    /** Queues the delivery of one status change; past `maxQueued` waiting, records it as dropped. */
    dispatch(url: string, task: { task_id: string; task_status: string }, requestOrigin?: string) {
      const job: Job = {
        url,
        requestOrigin,
        taskId: task.task_id,
        taskStatus: task.task_status,
        body: JSON.stringify(task),
      };
      if (pending.size < maxInFlight) start(job);
      else if (queue.length - head < maxQueued) queue.push(job);
      else drop(job, `dropped: queue full (${maxInFlight} in flight, ${maxQueued} queued)`);
    },
    deliveries(): readonly CallbackDelivery[] {
      return deliveries;
    },
    /** Deliveries still being attempted or waiting to retry. */
    get inFlight() {
      return pending.size;
    },
    /** Deliveries waiting for a free slot. */
    get queued() {
      return queue.length - head;
    },
    /** Deliveries never sent: queue full, or a URL that reached the mock itself (since the last clear). */
    get dropped() {
      return dropped;
    },
    maxInFlight,
    maxQueued,
    /** At most this many attempts are kept for inspection; older ones are forgotten. */
    recordLimit: MAX_RECORDED,
    /** Resolves when every queued delivery has finished (tests and shutdown). */
    async idle() {
      while (pending.size > 0) await Promise.all(pending);
    },
    clear() {
      deliveries.length = 0;
      dropped = 0;
    },
  };
}

export type CallbackDispatcher = ReturnType<typeof createCallbackDispatcher>;
