// The ceiling: a node:http server answering a fixed JSON body, as small as a server can be.
import { answer, fixedAnswer, serve } from './bare.mjs';

const body = fixedAnswer('succeed');
serve((_request, response) => answer(response, 200, body));
