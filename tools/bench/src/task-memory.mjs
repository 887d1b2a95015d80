// Resident memory of the mock holding 100,000 tasks (ended, with results), measured after a full GC.
import { createMockServer } from '@klingkit/mock-server';
import { createKlingClient } from '@klingkit/client';

const count = Number(process.env.BENCH_TASKS ?? 100_000);
const mock = createMockServer({ limits: { concurrency: 1_000_000_000 } });
const kling = createKlingClient({ accessKey: 'demo-access-key', secretKey: 'demo-secret-key', baseUrl: 'http://kling.mock', fetch: (r) => mock.fetch(r) });
globalThis.gc?.();
const before = process.memoryUsage().rss;
for (let i = 0; i < count; i += 1000) {
  await Promise.all(Array.from({ length: 1000 }, (_, j) => kling.tasks.create('omni', { prompt: `task ${i + j} with a realistic prompt length of some words`, n: 2 })));
}
mock.advanceClock(60_000);
globalThis.gc?.();
const after = process.memoryUsage().rss;
console.log(`| tasks held | RSS before | RSS after | growth |`);
console.log(`|---:|---:|---:|---:|`);
console.log(`| ${mock.tasks().length} | ${(before / 2 ** 20).toFixed(0)} MB | ${(after / 2 ** 20).toFixed(0)} MB | ${((after - before) / 2 ** 20).toFixed(0)} MB |`);
await mock.close();
