// The create ceiling: a node:http server that reads the whole request body and parses it as JSON, as any
// server taking a JSON create must, then answers a fixed JSON body. What a create costs beyond this is the
// mock's own work (validation, the task, its answer).
import { answer, fixedAnswer, serve } from './bare.mjs';

const body = fixedAnswer('submitted');
serve((request, response) => {
  /** @type {Buffer[]} */
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    answer(response, parsed === undefined ? 500 : 200, body);
  });
});
