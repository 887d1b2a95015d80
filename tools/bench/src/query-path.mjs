// The query path, side by side with a baseline checkout: query by id over HTTP (autocannon, 50 connections)
// against the mock of each checkout, each in its own process, taking turns for several rounds. For changes
// to what a query runs through (the serialized-task cache among them); a ratio near 1.00 is no change.
// The baseline is chosen as in testkit.mjs (BENCH_BASELINE or BENCH_BASELINE_REF, see baseline.mjs).
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { baselineCheckout, commit, current, median } from './baseline.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 5);
const server = fileURLToPath(new URL('./servers/mock.mjs', import.meta.url));

/**
 * The mock server of the checkout at `root`, in its own process.
 * @param {string} root
 * @returns {Promise<{ url: string, token: string, taskId: string, child: import('node:child_process').ChildProcess }>}
 */
function startMock(root) {
  const entry = pathToFileURL(`${root}/packages/mock-server/dist/index.js`).href;
  const child = fork(server, { stdio: 'inherit', env: { ...process.env, BENCH_MOCK_MODULE: entry } });
  return new Promise((resolve) =>
    child.once('message', (info) => resolve({ .../** @type {any} */ (info), child })),
  );
}

/** @param {{ url: string, token: string, taskId: string }} mock */
async function queries(mock) {
  const options = {
    url: `${mock.url}/v1/images/generations/${mock.taskId}`,
    headers: { authorization: `Bearer ${mock.token}` },
    connections: 50,
  };
  await autocannon({ ...options, duration: 2 });
  const result = await autocannon({ ...options, duration: seconds });
  if (result.errors + result.timeouts + result.non2xx > 0) throw new Error('errors or non-2xx answers');
  return result.requests.average;
}

const baseline = baselineCheckout();
try {
  const mocks = { baseline: await startMock(baseline.root), current: await startMock(current) };
  /** @type {Record<string, number[]>} */
  const rates = { baseline: [], current: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? ['current', 'baseline'] : ['baseline', 'current'])
      rates[name]?.push(await queries(mocks[/** @type {'baseline' | 'current'} */ (name)]));
    console.error(`round ${round + 1}/${rounds} done`);
  }
  for (const { child } of Object.values(mocks)) child.kill();
  const cell = (/** @type {number[]} */ values) =>
    `${Math.round(median(values))} (${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))})`;
  console.log(
    `\nbaseline ${commit(baseline.root)}, this checkout ${commit(current)}; Node ${process.version}; ${rounds} rounds of ${seconds} s\n`,
  );
  console.log('| query by id over HTTP | baseline req/s | this checkout req/s | ratio |');
  console.log('| --- | ---: | ---: | ---: |');
  const ratio = median(rates.current ?? []) / median(rates.baseline ?? []);
  console.log(
    `| median (min-max) | ${cell(rates.baseline ?? [])} | ${cell(rates.current ?? [])} | ${ratio.toFixed(2)} |`,
  );
} finally {
  baseline.remove();
}
