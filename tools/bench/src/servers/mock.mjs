// The klingkit mock over HTTP, with the concurrency limit raised so creates succeed, and one task to query.
// BENCH_MOCK_MODULE names another build of the mock (its dist/index.js, e.g. a worktree of main) to
// measure it side by side with this one (mock-throughput.mjs and query-path.mjs compare two).
import { SignJWT } from 'jose';
import './report-cpu.mjs';

/** @type {typeof import('@klingkit/mock-server')} */
const { createMockServer } = await import(process.env.BENCH_MOCK_MODULE || '@klingkit/mock-server');

// The rounds of creates add 300,000 tasks on a slow machine and 1.4 million on a fast one: raise the store's
// bound so the queried task is never the one forgotten (at the default 200,000 it was, and later rounds
// measured 404s).
const mock = createMockServer({ limits: { concurrency: 1_000_000_000 }, maxTasks: 10_000_000 });
const url = await mock.listen({ port: 0 });
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ iss: 'demo-access-key', exp: now + 3600, nbf: now - 5 })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .sign(new TextEncoder().encode('demo-secret-key'));
const created = await fetch(`${url}/v1/images/generations`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ prompt: 'benchmark' }),
}).then((response) => response.json());
process.send?.({ url, token, taskId: created.data.task_id });
// The memory benchmark asks for a full collection and the figures after it (needs --expose-gc).
process.on('message', (message) => {
  if (message !== 'memory') return;
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.send?.({ rss, heapUsed, tasks: mock.stats().tasks.stored });
});
