// Throughput of the mock over HTTP next to bare node:http servers (the ceilings) and Prism 5.14 (`prism mock`),
// each server in its own process, autocannon in this one, 50 connections, rows taking turns over several
// rounds. Prints a Markdown table of medians. BENCH_PRISM=0 leaves Prism out; BENCH_BASELINE_MOCK, the path
// of another build's dist/index.js (e.g. a worktree of main), adds its rows, interleaved with this build's;
// BENCH_BATCHED_CEILINGS=1 adds both ceilings again, sending their answers once per event-loop turn as the
// mock's door does, to show how much of the gap to the ceilings is the mock's own work.
import { fork, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 3);
const withPrism = process.env.BENCH_PRISM !== '0';
const baselineModule = process.env.BENCH_BASELINE_MOCK;
const withBatchedCeilings = process.env.BENCH_BATCHED_CEILINGS === '1';
const connections = 50;
const here = (/** @type {string} */ path) => fileURLToPath(new URL(path, import.meta.url));
const createBody = JSON.stringify({ prompt: 'a red fox in fresh snow', n: 1, aspect_ratio: '1:1' });

/** @typedef {{ url: string, token: string, taskId: string, child: import('node:child_process').ChildProcess }} Server */
/** @typedef {{ rps: number, p99: number, errors: number, cpu: number | undefined }} Run */
/** @typedef {{ name: string, server: Server, options: autocannon.Options }} RowSpec */
/** @typedef {RowSpec & { runs: Run[] }} Row */

/**
 * A server script in its own process, once it has said where it listens.
 * @param {string} script
 * @param {Record<string, string>} [env]
 * @returns {Promise<Server>}
 */
function startNode(script, env = {}) {
  const child = fork(here(script), { stdio: 'inherit', env: { ...process.env, ...env } });
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
 * The CPU time (µs) a server started by `startNode` has used so far; undefined for Prism (no IPC).
 * @param {Server} server
 * @returns {Promise<number | undefined>}
 */
function cpuOf(server) {
  if (!server.child.send) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onMessage = (/** @type {{ cpuMicros?: unknown } | undefined} */ message) => {
      if (typeof message?.cpuMicros !== 'number') return;
      server.child.off('message', onMessage);
      resolve(message.cpuMicros);
    };
    server.child.on('message', onMessage);
    server.child.send('cpu');
  });
}

/**
 * One measured run of a row: a 2 s warm-up, then `seconds` of load, and the server's CPU per request.
 * @param {RowSpec} row
 * @returns {Promise<Run>}
 */
async function load({ options, server }) {
  await autocannon({ ...options, connections, duration: 2 });
  const before = await cpuOf(server);
  const result = await autocannon({ ...options, connections, duration: seconds });
  const after = await cpuOf(server);
  const errors = result.errors + result.timeouts + result.non2xx;
  const cpu = before === undefined ? undefined : (Number(after) - before) / result.requests.total;
  return { rps: Math.round(result.requests.average), p99: result.latency.p99, errors, cpu };
}

const median = (/** @type {number[]} */ values) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

// Every server runs for the whole benchmark (an idle one costs nothing), and the rows take turns, round
// after round: this VM's speed drifts by tens of percent within minutes, and a ratio of two rows measured
// minutes apart measured the drift as much as the servers.
const bare = await startNode('./servers/bare-http.mjs');
const bareJson = await startNode('./servers/bare-http-json.mjs');
const batchedEnv = { BENCH_BARE_BATCHED: '1' };
const bareBatched = withBatchedCeilings ? await startNode('./servers/bare-http.mjs', batchedEnv) : undefined;
const bareJsonBatched = withBatchedCeilings
  ? await startNode('./servers/bare-http-json.mjs', batchedEnv)
  : undefined;
const mock = await startNode('./servers/mock.mjs');
const baseline = baselineModule
  ? await startNode('./servers/mock.mjs', { BENCH_MOCK_MODULE: baselineModule })
  : undefined;
const prism = withPrism ? await startPrism() : undefined;
const ceiling = 'bare node:http, fixed JSON (ceiling)';
const createCeiling = 'bare node:http, read + JSON.parse body (create ceiling)';
const batchedCeiling = 'bare node:http, fixed JSON, answers batched per loop turn';
const batchedCreateCeiling = 'bare node:http, read + JSON.parse body, answers batched per loop turn';
const prismAuth = { authorization: 'Bearer x', 'content-type': 'application/json' };
/**
 * @param {string} label
 * @param {Server} server
 * @param {'query' | 'create'} kind
 * @returns {RowSpec}
 */
const mockRow = (label, server, kind) => {
  const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  return kind === 'query'
    ? {
        name: `${label}: query by id`,
        server,
        options: { url: `${server.url}/v1/images/generations/${server.taskId}`, headers: auth },
      }
    : {
        name: `${label}: create (full validation)`,
        server,
        options: {
          url: `${server.url}/v1/images/generations`,
          method: 'POST',
          headers: auth,
          body: createBody,
        },
      };
};
/**
 * A create ceiling's row: the mock's create body, posted to a bare server.
 * @param {string} name
 * @param {Server} server
 * @returns {RowSpec}
 */
const createCeilingRow = (name, server) => ({
  name,
  server,
  options: {
    url: `${server.url}/`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: createBody,
  },
});
// Each ceiling next to the rows measured against it, and a baseline build next to this one.
/** @type {Row[]} */
const rows = /** @type {RowSpec[]} */ ([
  { name: ceiling, server: bare, options: { url: `${bare.url}/` } },
  ...(bareBatched
    ? [{ name: batchedCeiling, server: bareBatched, options: { url: `${bareBatched.url}/` } }]
    : []),
  mockRow('klingkit mock', mock, 'query'),
  ...(baseline ? [mockRow('baseline mock', baseline, 'query')] : []),
  createCeilingRow(createCeiling, bareJson),
  ...(bareJsonBatched ? [createCeilingRow(batchedCreateCeiling, bareJsonBatched)] : []),
  mockRow('klingkit mock', mock, 'create'),
  ...(baseline ? [mockRow('baseline mock', baseline, 'create')] : []),
  ...(prism
    ? [
        {
          name: 'Prism 5.14 mock: query by id',
          server: prism,
          options: { url: `${prism.url}/v1/images/generations/${prism.taskId}`, headers: prismAuth },
        },
        {
          name: 'Prism 5.14 mock: create',
          server: prism,
          options: {
            url: `${prism.url}/v1/images/generations`,
            method: 'POST',
            headers: prismAuth,
            body: createBody,
          },
        },
      ]
    : []),
]).map((row) => ({ ...row, runs: /** @type {Run[]} */ ([]) }));

/** With a baseline, it and this build swap places every other round: neither always runs first. */
/** @param {number} round */
function inOrder(round) {
  const order = [...rows];
  if (round % 2 === 1) return order;
  for (let i = 0; i < order.length - 1; i++) {
    const first = /** @type {Row} */ (order[i]);
    const second = /** @type {Row} */ (order[i + 1]);
    if (first.name.startsWith('klingkit mock') && second.name.startsWith('baseline mock')) {
      [order[i], order[i + 1]] = [second, first];
      i++;
    }
  }
  return order;
}

for (let round = 1; round <= rounds; round++) {
  for (const row of inOrder(round)) {
    row.runs.push(await load(row));
    const run = /** @type {Run} */ (row.runs.at(-1));
    const cpu = run.cpu === undefined ? '' : `, ${run.cpu.toFixed(1)} µs CPU per request`;
    process.stderr.write(`round ${round}/${rounds}: ${row.name}: ${run.rps} req/s${cpu}\n`);
  }
}
for (const server of [bare, bareJson, bareBatched, bareJsonBatched, mock, baseline, prism])
  server?.child.kill();

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
        cpu:
          row.runs[0]?.cpu === undefined
            ? 'n/a'
            : median(row.runs.map((run) => run.cpu ?? Number.NaN)).toFixed(1),
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
  '| server and request | req/s (median) | range over rounds | p99 latency (ms) | errors / non-2xx | server CPU per request (µs, median) |',
);
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, r] of Object.entries(summary))
  console.log(`| ${name} | ${r.rps} | ${r.min}-${r.max} | ${r.p99} | ${r.errors} | ${r.cpu} |`);
/** `a`'s throughput as a share of `b`'s if both were held to the same CPU: `b`'s CPU per request over `a`'s. */
const cpuRatio = (/** @type {string} */ a, /** @type {string} */ b) =>
  (Number(summary[b]?.cpu) / Number(summary[a]?.cpu)).toFixed(2);
for (const label of ['klingkit mock', ...(baseline ? ['baseline mock'] : [])]) {
  const query = `${label}: query by id`;
  const create = `${label}: create (full validation)`;
  console.log(
    `\n${label}: query vs bare node:http: ${ratio(query, ceiling)}x (by CPU per request ${cpuRatio(query, ceiling)}x)`,
  );
  console.log(
    `${label}: create vs bare node:http reading and parsing the body: ${ratio(create, createCeiling)}x (by CPU per request ${cpuRatio(create, createCeiling)}x)`,
  );
  if (withBatchedCeilings) {
    console.log(
      `${label}: query vs bare node:http batching its answers: ${ratio(query, batchedCeiling)}x (by CPU per request ${cpuRatio(query, batchedCeiling)}x)`,
    );
    console.log(
      `${label}: create vs bare node:http reading and parsing the body, batching its answers: ${ratio(create, batchedCreateCeiling)}x (by CPU per request ${cpuRatio(create, batchedCreateCeiling)}x)`,
    );
  }
  if (prism) {
    console.log(
      `${label}: query vs Prism: ${ratio(`${label}: query by id`, 'Prism 5.14 mock: query by id')}x`,
    );
    console.log(
      `${label}: create vs Prism: ${ratio(`${label}: create (full validation)`, 'Prism 5.14 mock: create')}x`,
    );
  }
}
if (baseline) {
  for (const kind of ['query by id', 'create (full validation)']) {
    const change =
      Number(summary[`klingkit mock: ${kind}`]?.cpu) / Number(summary[`baseline mock: ${kind}`]?.cpu);
    console.log(
      `${kind}: this build's CPU per request is ${((change - 1) * 100).toFixed(1)}% vs the baseline's`,
    );
  }
}
