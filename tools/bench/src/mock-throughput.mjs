// Throughput of the mock over HTTP next to a bare node:http server and Prism 5.14 (`prism mock`), each server
// in its own process, autocannon in this one, 50 connections, rows taking turns over several rounds.
// Prints a Markdown table of medians.
import { fork, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 3);
const connections = 50;
const here = (/** @type {string} */ path) => fileURLToPath(new URL(path, import.meta.url));
const createBody = JSON.stringify({ prompt: 'a red fox in fresh snow', n: 1, aspect_ratio: '1:1' });

/**
 * A server script in its own process, once it has said where it listens.
 * @param {string} script
 * @returns {Promise<{ url: string, token: string, taskId: string, child: import('node:child_process').ChildProcess }>}
 */
function startNode(script) {
  const child = fork(here(script), { stdio: 'inherit' });
  return new Promise((resolve) =>
    child.once('message', (info) =>
      resolve({ .../** @type {{ url: string, token: string, taskId: string }} */ (info), child }),
    ),
  );
}

async function startPrism() {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolve(free));
    });
  });
  const prism = here('../node_modules/.bin/prism');
  const child = spawn(
    prism,
    ['mock', here('../../../spec/dist/openapi.yaml'), '-p', String(port), '-h', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((/** @type {(value?: unknown) => void} */ resolve) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Prism is listening')) resolve();
    });
  });
  child.stdout.resume();
  return { url: `http://127.0.0.1:${port}`, token: 'x', taskId: '867283741759111202', child };
}

/**
 * One measured run of a row: a 2 s warm-up, then `seconds` of load.
 * @param {autocannon.Options} options
 */
async function load(options) {
  await autocannon({ ...options, connections, duration: 2 });
  const result = await autocannon({ ...options, connections, duration: seconds });
  const errors = result.errors + result.timeouts + result.non2xx;
  return { rps: Math.round(result.requests.average), p99: result.latency.p99, errors };
}

const median = (/** @type {number[]} */ values) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

// Every server runs for the whole benchmark (an idle one costs nothing), and the rows take turns, round
// after round: this VM's speed drifts by tens of percent within minutes, and a ratio of two rows measured
// minutes apart measured the drift as much as the servers.
const bare = await startNode('./servers/bare-http.mjs');
const mock = await startNode('./servers/mock.mjs');
const prism = await startPrism();
const auth = { authorization: `Bearer ${mock.token}`, 'content-type': 'application/json' };
const prismAuth = { authorization: 'Bearer x', 'content-type': 'application/json' };
/** @type {{ name: string, options: autocannon.Options }[]} */
const table = [
  { name: 'bare node:http, fixed JSON (ceiling)', options: { url: `${bare.url}/` } },
  {
    name: 'klingkit mock: query by id',
    options: { url: `${mock.url}/v1/images/generations/${mock.taskId}`, headers: auth },
  },
  {
    name: 'klingkit mock: create (full validation)',
    options: { url: `${mock.url}/v1/images/generations`, method: 'POST', headers: auth, body: createBody },
  },
  {
    name: 'Prism 5.14 mock: query by id',
    options: { url: `${prism.url}/v1/images/generations/${prism.taskId}`, headers: prismAuth },
  },
  {
    name: 'Prism 5.14 mock: create',
    options: {
      url: `${prism.url}/v1/images/generations`,
      method: 'POST',
      headers: prismAuth,
      body: createBody,
    },
  },
];
const rows = table.map((row) => ({
  ...row,
  runs: /** @type {{ rps: number, p99: number, errors: number }[]} */ ([]),
}));

for (let round = 1; round <= rounds; round++) {
  for (const row of rows) {
    row.runs.push(await load(row.options));
    process.stderr.write(`round ${round}/${rounds}: ${row.name}: ${row.runs.at(-1)?.rps} req/s\n`);
  }
}
for (const server of [bare, mock, prism]) server.child.kill();

const summary = Object.fromEntries(
  rows.map((row) => {
    const rps = row.runs.map((run) => run.rps);
    return [
      row.name,
      {
        rps: median(rps),
        min: Math.min(...rps),
        max: Math.max(...rps),
        p99: median(row.runs.map((run) => run.p99)),
        errors: row.runs.reduce((sum, run) => sum + run.errors, 0),
      },
    ];
  }),
);
/** @param {string} a @param {string} b */
const ratio = (a, b) => ((summary[a]?.rps ?? Number.NaN) / (summary[b]?.rps ?? Number.NaN)).toFixed(2);
console.log(
  `\n${connections} connections, ${rounds} rounds of ${seconds} s per row after a 2 s warm-up each, medians, Node ${process.version}\n`,
);
console.log(
  '| server and request | req/s (median) | range over rounds | p99 latency (ms) | errors / non-2xx |',
);
console.log('|---|---:|---:|---:|---:|');
for (const [name, r] of Object.entries(summary))
  console.log(`| ${name} | ${r.rps} | ${r.min}-${r.max} | ${r.p99} | ${r.errors} |`);
console.log(
  `\nquery vs bare node:http: ${ratio('klingkit mock: query by id', 'bare node:http, fixed JSON (ceiling)')}x`,
);
console.log(`query vs Prism: ${ratio('klingkit mock: query by id', 'Prism 5.14 mock: query by id')}x`);
console.log(
  `create vs Prism: ${ratio('klingkit mock: create (full validation)', 'Prism 5.14 mock: create')}x`,
);
