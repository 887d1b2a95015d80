// Memory of the mock holding 100,000 tasks (Omni-Image, n: 2, ended with results), measured after a full GC:
// first as a server in its own process, created over HTTP (how a team runs a shared mock); then in-process,
// created through the client and the mock's `fetch` in one process (how a test suite runs it), where the
// client's and fetch's own garbage is counted as well.
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createKlingClient } from '@klingkit/client';
import { createMockServer } from '@klingkit/mock-server';
import autocannon from 'autocannon';

const count = Number(process.env.BENCH_TASKS ?? 100_000);
const mb = (/** @type {number} */ bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const prompt = (/** @type {number} */ n) => `task ${n} with a realistic prompt length of some words`;
const rows = [];

// 1. A server process: creates over loopback, 50 connections.
const server = fork(fileURLToPath(new URL('./servers/mock.mjs', import.meta.url)), {
  execArgv: ['--expose-gc'],
  stdio: 'inherit',
});
const info = await new Promise((resolve) => server.once('message', resolve));
const memory = () => {
  server.send('memory');
  return new Promise((resolve) => server.once('message', resolve));
};
const serverBefore = await memory();
let serial = 0;
const result = await autocannon({
  url: `${info.url}/v1/images/omni-image`,
  method: 'POST',
  connections: 50,
  amount: count,
  headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
  requests: [
    { setupRequest: (request) => ({ ...request, body: JSON.stringify({ prompt: prompt(++serial), n: 2 }) }) },
  ],
});
if (result.non2xx + result.errors > 0) throw new Error(`${result.non2xx + result.errors} creates failed`);
// Let every task end (the fast profile takes 55 ms), then collect.
await new Promise((resolve) => setTimeout(resolve, 500));
const serverAfter = await memory();
const status = await readFile(`/proc/${server.pid}/status`, 'utf8').catch(() => '');
const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
server.kill();
rows.push({
  where: 'server process, created over HTTP',
  tasks: serverAfter.tasks - serverBefore.tasks,
  before: serverBefore,
  after: serverAfter,
  peak: Number.isNaN(peakKb) ? 'n/a' : mb(peakKb * 1024),
});

// 2. In-process: the client on the mock's fetch, 50 creates in flight.
const mock = createMockServer({ limits: { concurrency: 1_000_000_000 } });
const kling = createKlingClient({
  accessKey: 'demo-access-key',
  secretKey: 'demo-secret-key',
  baseUrl: 'http://kling.mock',
  fetch: (request) => mock.fetch(request),
});
const usage = () => {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
};
const inProcessBefore = usage();
for (let i = 0; i < count; i += 50) {
  await Promise.all(
    Array.from({ length: 50 }, (_, j) => kling.tasks.create('omni', { prompt: prompt(i + j), n: 2 })),
  );
}
mock.advanceClock(60_000);
const inProcessAfter = usage();
rows.push({
  where: 'in-process, client on the mock fetch',
  tasks: mock.stats().tasks.stored,
  before: inProcessBefore,
  after: inProcessAfter,
  peak: 'n/a',
});
await mock.close();

console.log(
  '| where | tasks held | RSS before | RSS after | peak RSS | heap used before | heap used after | heap per task |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(
    `| ${row.where} | ${row.tasks} | ${mb(row.before.rss)} | ${mb(row.after.rss)} | ${row.peak} | ${mb(row.before.heapUsed)} | ${mb(row.after.heapUsed)} | ${((row.after.heapUsed - row.before.heapUsed) / row.tasks).toFixed(0)} B |`,
  );
}
