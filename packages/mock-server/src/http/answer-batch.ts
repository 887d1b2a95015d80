import type { ServerResponse } from 'node:http';
import type { MockResponse } from './mock-request.js';

/** Runs `flush` once the event loop has handled every request that was ready with the one being answered. */
export type FlushScheduler = (flush: () => void) => void;

/**
 * The HTTP door's answers, written once per event-loop turn instead of one by one. Over loopback a write
 * delivers the answer into the client's socket at once and, when the client is waiting in its poll, wakes
 * it up: on a VM that wake-up is among the costliest steps of an answer (figures in tools/bench/README.md).
 * Answers written back to back reach a client that is already awake, so a busy turn pays for one wake-up
 * instead of one per answer. An answer waits at most for the requests that arrived with it.
 *
 * `schedule` undefined writes each answer at once (see `checkScheduler`).
 */
export function createAnswerBatch(schedule: FlushScheduler | undefined) {
  // Flat pairs, response then answer: no object per answer on the hot path.
  let pending: (ServerResponse | MockResponse)[] = [];

  const flush = () => {
    const batch = pending;
    pending = [];
    for (let i = 0; i < batch.length; i += 2) {
      writeOrClose(batch[i] as ServerResponse, batch[i + 1] as MockResponse);
    }
  };

  return {
    /**
     * Sends `answer` on `outgoing` with the batch of this turn. A dropped connection waits its turn too: an
     * answer to a request pipelined before it on the same connection is written first.
     */
    add(outgoing: ServerResponse, answer: MockResponse): void {
      if (schedule === undefined) {
        writeOrClose(outgoing, answer);
        return;
      }
      pending.push(outgoing, answer);
      if (pending.length === 2) schedule(flush);
    },
  };
}

/** One answer node refuses to write must not hold the others, nor crash the mock: its connection closes. */
function writeOrClose(outgoing: ServerResponse, answer: MockResponse): void {
  try {
    write(outgoing, answer);
  } catch {
    outgoing.destroy();
  }
}

function write(outgoing: ServerResponse, answer: MockResponse): void {
  // The response's own destroy: a response queued behind a pipelined one has no socket yet, and node closes
  // the connection once that one is written and the socket is this response's.
  if (answer.drop) {
    outgoing.destroy();
    return;
  }
  // The client may have gone while the answer waited: nothing to write to.
  if (outgoing.destroyed) return;
  // Headers as one flat list in one writeHead: no setHeader calls (each moves node onto its slow header
  // path), and a known length so headers and body leave in a single write.
  const head = ['content-length', String(Buffer.byteLength(answer.body))];
  for (const name in answer.headers) head.push(name, answer.headers[name] as string);
  // An over-long body is left unread: close the connection instead of draining it.
  if (answer.status === 413) head.push('connection', 'close');
  outgoing.writeHead(answer.status, head);
  outgoing.end(answer.body);
}

/**
 * node's `setImmediate` as this module found it, as the batch's scheduler: it runs right after the event
 * loop's poll phase, so a flush follows every request read in that turn. Held from load time so that a test
 * faking timers afterwards (`vi.useFakeTimers()`) still gets its answers. A fake found already installed
 * (fake-timers marks its functions with `clock`) would hold answers until the test moves its fake time: then
 * answers are written one by one, as they come.
 */
export function checkScheduler(setImmediateAtLoad: unknown): FlushScheduler | undefined {
  if (typeof setImmediateAtLoad !== 'function' || 'clock' in setImmediateAtLoad) return undefined;
  const immediate = setImmediateAtLoad as (callback: () => void) => unknown;
  return (flush) => {
    immediate(flush);
  };
}

export const LOOP_TURN_SCHEDULER = checkScheduler(globalThis.setImmediate);
