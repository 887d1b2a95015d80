// What the bare node:http servers share: the fixed answer they send, how they send it, and how they start (a
// free port on 127.0.0.1, its URL sent to the benchmark that forked them, CPU time reported when it asks).
import { createServer } from 'node:http';
import './report-cpu.mjs';

/**
 * A success envelope holding a task in `taskStatus`, as the JSON text a bare server answers with.
 * @param {string} taskStatus
 */
export function fixedAnswer(taskStatus) {
  return JSON.stringify({
    code: 0,
    message: 'SUCCEED',
    request_id: 'fixed',
    data: { task_id: '1', task_status: taskStatus },
  });
}

// BENCH_BARE_BATCHED=1: answers wait for the end of the event-loop turn and leave together, as the mock's
// door sends them (packages/mock-server/src/http/answer-batch.ts); the ceiling with the same trick.
const batched = process.env.BENCH_BARE_BATCHED === '1';
/** @type {[import('node:http').ServerResponse, number, string][]} */
let waiting = [];
const flush = () => {
  const batch = waiting;
  waiting = [];
  for (const [response, status, body] of batch) write(response, status, body);
};

/**
 * @param {import('node:http').ServerResponse} response
 * @param {number} status
 * @param {string} body
 */
function write(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(body);
}

/**
 * Sends a JSON answer: now, or with the turn's batch under BENCH_BARE_BATCHED=1.
 * @param {import('node:http').ServerResponse} response
 * @param {number} status
 * @param {string} body
 */
export function answer(response, status, body) {
  if (!batched) return write(response, status, body);
  waiting.push([response, status, body]);
  if (waiting.length === 1) setImmediate(flush);
}

/**
 * Serves `handle` on a free port of 127.0.0.1 and sends the parent process its URL.
 * @param {import('node:http').RequestListener} handle
 */
export function serve(handle) {
  const server = createServer(handle);
  server.listen(0, '127.0.0.1', () => {
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    process.send?.({ url: `http://127.0.0.1:${port}` });
  });
}
