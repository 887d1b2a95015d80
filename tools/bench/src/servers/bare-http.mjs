// The ceiling: a node:http server answering a fixed JSON body, as small as a server can be.
import { createServer } from 'node:http';
import './report-cpu.mjs';

const body = JSON.stringify({
  code: 0,
  message: 'SUCCEED',
  request_id: 'fixed',
  data: { task_id: '1', task_status: 'succeed' },
});
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.send?.({ url: `http://127.0.0.1:${port}` });
});
