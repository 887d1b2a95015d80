// The ceiling: a node:http server answering a fixed JSON body, as small as a server can be.
import { fixedAnswer, serve } from './bare.mjs';

const body = fixedAnswer('succeed');
serve((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(body);
});
