// What the bare node:http servers share: the fixed answer they send, and how they start (a free port on
// 127.0.0.1, its URL sent to the benchmark that forked them, CPU time reported when it asks).
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
