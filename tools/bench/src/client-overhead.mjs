// Cost of the klingkit client over raw openapi-fetch for one query, both calling the mock's in-process fetch,
// so the figure is the client's own work (auth header, envelope check, retry bookkeeping), not the network.
import { createKlingClient } from '@klingkit/client';
import { createMockServer } from '@klingkit/mock-server';
import { SignJWT } from 'jose';
import createClient from 'openapi-fetch';

const mock = createMockServer();
const fetch = (/** @type {Request} */ request) => mock.fetch(request);
const baseUrl = 'http://kling.mock';
const kling = createKlingClient({
  accessKey: 'demo-access-key',
  secretKey: 'demo-secret-key',
  baseUrl,
  fetch,
});
const { task_id: id } = await kling.tasks.create('generations', { prompt: 'benchmark' });
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ iss: 'demo-access-key', exp: now + 3600, nbf: now - 5 })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .sign(new TextEncoder().encode('demo-secret-key'));
/** @type {import('openapi-fetch').Client<import('@klingkit/client/schema').paths>} */
const raw = createClient({ baseUrl, fetch, headers: { authorization: `Bearer ${token}` } });
const params = { params: { path: { id } } };

// Interleaved rounds, compared by median: a single long run per variant is at the mercy of GC and of
// whatever else the machine does, and showed ±25% between identical runs here.
const variants = {
  'raw openapi-fetch GET': () => raw.GET('/v1/images/generations/{id}', params),
  'klingkit client GET': () => kling.GET('/v1/images/generations/{id}', params),
};
const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const callsPerRound = 1000;
/** @type {Record<string, number[]>} */
const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = -3; round < rounds; round++) {
  for (const [name, call] of Object.entries(variants)) {
    const started = performance.now();
    for (let i = 0; i < callsPerRound; i++) await call();
    const microseconds = ((performance.now() - started) * 1000) / callsPerRound;
    if (round >= 0) samples[name]?.push(microseconds); // the first rounds warm up the JIT
  }
}
const median = (/** @type {number[]} */ values) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const [rawMedian = Number.NaN, klingMedian = Number.NaN] = Object.values(samples).map(median);
console.log(
  `| call (in-process mock fetch, median of ${rounds} rounds x ${callsPerRound}) | µs per call | calls/s |`,
);
console.log('|---|---:|---:|');
for (const [name, values] of Object.entries(samples)) {
  console.log(`| ${name} | ${median(values).toFixed(1)} | ${Math.round(1e6 / median(values))} |`);
}
console.log(
  `\nklingkit overhead over raw openapi-fetch: ${(((klingMedian - rawMedian) / rawMedian) * 100).toFixed(1)}%`,
);
await mock.close();
