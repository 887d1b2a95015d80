// Resident memory of the mock holding 100,000 tasks (ended, with results), measured after a full GC.

import { createKlingClient } from '@klingkit/client';
import { createMockServer } from '@klingkit/mock-server';

const count = Number(process.env.BENCH_TASKS ?? 100_000);
const mock = createMockServer({ limits: { concurrency: 1_000_000_000 } });
const kling = createKlingClient({
  accessKey: 'demo-access-key',
  secretKey: 'demo-secret-key',
  baseUrl: 'http://kling.mock',
  fetch: (r) => mock.fetch(r),
});
globalThis.gc?.();
const { rss: before, heapUsed: heapBefore } = process.memoryUsage();
// 50 creates in flight at a time, like the 50 connections of the throughput benchmark.
const inFlight = 50;
for (let i = 0; i < count; i += inFlight) {
  await Promise.all(
    Array.from({ length: inFlight }, (_, j) =>
      kling.tasks.create('omni', {
        prompt: `task ${i + j} with a realistic prompt length of some words`,
        n: 2,
      }),
    ),
  );
}
mock.advanceClock(60_000);
globalThis.gc?.();
const { rss: after, heapUsed: heapAfter } = process.memoryUsage();
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
console.log('| tasks held | RSS before | RSS after | heap used before | heap used after | heap per task |');
console.log('|---:|---:|---:|---:|---:|---:|');
console.log(
  `| ${mock.tasks().length} | ${mb(before)} | ${mb(after)} | ${mb(heapBefore)} | ${mb(heapAfter)} | ${((heapAfter - heapBefore) / count).toFixed(0)} B |`,
);
await mock.close();
