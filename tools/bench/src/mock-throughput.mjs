// Throughput of the mock over HTTP next to a bare node:http server and Prism 5.14 (`prism mock`), each server
// in its own process, autocannon in this one, 50 connections, all in the same run. Prints a Markdown table.
import { fork, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = 50;
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const createBody = JSON.stringify({ prompt: 'a red fox in fresh snow', n: 1, aspect_ratio: '1:1' });

function startNode(script) {
  const child = fork(here(script), { stdio: 'inherit' });
  return new Promise((resolve) => child.once('message', (info) => resolve({ ...info, child })));
}

async function startPrism() {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const prism = here('../node_modules/.bin/prism');
  const child = spawn(
    prism,
    ['mock', here('../../../spec/dist/openapi.yaml'), '-p', String(port), '-h', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((resolve) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Prism is listening')) resolve();
    });
  });
  child.stdout.resume();
  return { url: `http://127.0.0.1:${port}`, token: 'x', taskId: '867283741759111202', child };
}

async function load(name, options) {
  await autocannon({ ...options, connections, duration: 2 }); // warm-up
  const result = await autocannon({ ...options, connections, duration: seconds });
  const errors = result.errors + result.timeouts + result.non2xx;
  return { name, rps: Math.round(result.requests.average), p99: result.latency.p99, errors };
}

const results = [];
const bare = await startNode('./servers/bare-http.mjs');
results.push(await load('bare node:http, fixed JSON (ceiling)', { url: `${bare.url}/` }));
bare.child.kill();

const mock = await startNode('./servers/mock.mjs');
const auth = { authorization: `Bearer ${mock.token}`, 'content-type': 'application/json' };
results.push(
  await load('klingkit mock: query by id', {
    url: `${mock.url}/v1/images/generations/${mock.taskId}`,
    headers: auth,
  }),
);
results.push(
  await load('klingkit mock: create (full validation)', {
    url: `${mock.url}/v1/images/generations`,
    method: 'POST',
    headers: auth,
    body: createBody,
  }),
);
mock.child.kill();

const prism = await startPrism();
const prismAuth = { authorization: 'Bearer x', 'content-type': 'application/json' };
results.push(
  await load('Prism 5.14 mock: query by id', {
    url: `${prism.url}/v1/images/generations/${prism.taskId}`,
    headers: prismAuth,
  }),
);
results.push(
  await load('Prism 5.14 mock: create', {
    url: `${prism.url}/v1/images/generations`,
    method: 'POST',
    headers: prismAuth,
    body: createBody,
  }),
);
prism.child.kill();

const byName = Object.fromEntries(results.map((r) => [r.name, r]));
const ratio = (a, b) => (byName[a].rps / byName[b].rps).toFixed(2);
console.log(
  `\n${connections} connections, ${seconds} s per row after a 2 s warm-up, Node ${process.version}\n`,
);
console.log('| server and request | req/s | p99 latency (ms) | errors / non-2xx |');
console.log('|---|---:|---:|---:|');
for (const r of results) console.log(`| ${r.name} | ${r.rps} | ${r.p99} | ${r.errors} |`);
console.log(
  `\nquery vs bare node:http: ${ratio('klingkit mock: query by id', 'bare node:http, fixed JSON (ceiling)')}x`,
);
console.log(`query vs Prism: ${ratio('klingkit mock: query by id', 'Prism 5.14 mock: query by id')}x`);
console.log(
  `create vs Prism: ${ratio('klingkit mock: create (full validation)', 'Prism 5.14 mock: create')}x`,
);
