// The create ceiling: a node:http server that reads the whole request body and parses it as JSON, as any
// server taking a JSON create must, then answers a fixed JSON body. What a create costs beyond this is the
// mock's own work (validation, the task, its answer).
import { createServer } from 'node:http';
import './report-cpu.mjs';

const body = JSON.stringify({
  code: 0,
  message: 'SUCCEED',
  request_id: 'fixed',
  data: { task_id: '1', task_status: 'submitted' },
});
const server = createServer((request, response) => {
  /** @type {Buffer[]} */
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    response.writeHead(parsed === undefined ? 500 : 200, { 'content-type': 'application/json' });
    response.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.send?.({ url: `http://127.0.0.1:${port}` });
});
