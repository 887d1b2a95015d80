// The costs the code's design leans on, each next to what it is weighed against, in one process:
// - undici's Request with an explicit `signal: undefined` and without the key (the client leaves it out);
// - building and serializing a task object against a query by id through the mock's in-process door
//   (the serialized-task cache exists because a polling client reads one state many times);
// - rendering a result image: the part that holds the event loop (painting) and the whole render
//   (compression runs on zlib's thread pool);
// - storing a task in a store at its bound (`maxTasks`), which forgets the oldest ended task, against
//   storing one below it.
// Internal modules are imported from the mock's build by path. Prints a Markdown table of medians.
import { pathToFileURL } from 'node:url';
import { createMockServer } from '@klingkit/mock-server';
import { SignJWT } from 'jose';

const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const internal = (/** @type {string} */ file) =>
  import(
    pathToFileURL(
      process.env.BENCH_MOCK_DIST
        ? `${process.env.BENCH_MOCK_DIST}/${file}`
        : new URL(`../../../packages/mock-server/dist/${file}`, import.meta.url).pathname,
    ).href
  );
const { toTaskObject } = await internal('store/task-record.js');
const { renderResultImage } = await internal('images/render-result-image.js');
const { createTaskStore } = await internal('store/task-store.js');

const median = (/** @type {number[]} */ values) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * µs per call of each variant: interleaved rounds of `calls` calls, first rounds dropped (JIT warm-up).
 * @param {Record<string, () => unknown>} variants
 * @param {number} calls
 */
async function perCall(variants, calls) {
  /** @type {Record<string, number[]>} */
  const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let round = -3; round < rounds; round++) {
    for (const [name, call] of Object.entries(variants)) {
      const started = performance.now();
      for (let i = 0; i < calls; i++) await call();
      if (round >= 0) samples[name]?.push(((performance.now() - started) * 1000) / calls);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/** @type {[string, number][]} */
const rows = [];

const url = 'http://kling.mock/v1/images/generations/1';
const request = await perCall(
  {
    'new Request(url, { method })': () => new Request(url, { method: 'GET' }),
    'new Request(url, { method, signal: undefined })': () =>
      new Request(
        url,
        /** @type {RequestInit} */ (/** @type {unknown} */ ({ method: 'GET', signal: undefined })),
      ),
  },
  2000,
);
rows.push(...Object.entries(request));

const mock = createMockServer({ profile: 'fast' });
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ iss: 'demo-access-key', exp: now + 3600, nbf: now - 5 })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .sign(new TextEncoder().encode('demo-secret-key'));
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const created = await mock
  .fetch(
    new Request('http://kling.mock/v1/images/omni-image', {
      method: 'POST',
      headers,
      body: JSON.stringify({ prompt: 'benchmark', n: 4 }),
    }),
  )
  .then((answer) => answer.json());
const id = created.data.task_id;
mock.advanceClock(60_000);
/** The same task as the store keeps it (a record), for building its object without the cache. */
const record = {
  family: 'omni',
  account: 'demo-access-key',
  taskId: id,
  externalTaskId: created.data.task_info.external_task_id ?? '',
  prompt: 'benchmark',
  aspectRatio: 'auto',
  resolution: '1k',
  resultType: 'single',
  imageCount: 4,
  watermark: false,
  callbackUrl: undefined,
  origin: 'http://kling.mock',
  createdAt: 0,
  processingAt: 10,
  endsAt: 60,
  outcome: { status: 'succeed' },
  status: 'succeed',
  updatedAt: 60,
  units: 4,
};
const query = await perCall(
  {
    'query by id, in-process door (answer read)': () =>
      mock
        .fetch(new Request(`http://kling.mock/v1/images/omni-image/${id}`, { headers }))
        .then((answer) => answer.text()),
    'build + JSON.stringify of that task object (what the cache saves)': () =>
      JSON.stringify(toTaskObject(record, 'http://kling.mock')),
  },
  2000,
);
rows.push(...Object.entries(query));

// A store at its bound forgets one ended task per task it stores. Each round adds `bound` tasks, so the
// one at its bound turns its whole content over, as a long-running mock under load does.
const bound = 50_000;
const atBound = createTaskStore(bound);
const belowBound = createTaskStore(Number.MAX_SAFE_INTEGER);
let stored = 0;
const endedTask = () => ({ ...record, taskId: String(++stored), status: 'succeed' });
for (let i = 0; i < bound; i++) atBound.add(endedTask());
const storing = await perCall(
  {
    [`store a task, store at its bound (maxTasks ${bound.toLocaleString('en')}: forgets the oldest)`]: () =>
      atBound.add(endedTask()),
    'store a task, store below its bound': () => {
      // Emptied now and then, so that it stays the size of the other (a clear in 200,000 stores).
      if (belowBound.size >= 4 * bound) belowBound.clear();
      belowBound.add(endedTask());
    },
  },
  bound,
);
rows.push(...Object.entries(storing));

const side = 1024;
/** @type {number[]} */
const painting = [];
/** @type {number[]} */
const whole = [];
for (let round = -2; round < Math.min(rounds, 15); round++) {
  const started = performance.now();
  const rendering = renderResultImage({
    prompt: `benchmark ${round}`,
    index: 0,
    aspectRatio: '1:1',
    resolution: '1k',
    watermark: false,
  });
  const painted = performance.now();
  await rendering;
  if (round >= 0) {
    painting.push((painted - started) * 1000);
    whole.push((performance.now() - started) * 1000);
  }
}
rows.push([`render a ${side} px result PNG: event loop held (painting)`, median(painting)]);
rows.push([`render a ${side} px result PNG: until the PNG is ready`, median(whole)]);
await mock.close();

console.log(`Node ${process.version}; median of ${rounds} interleaved rounds (renders: 15)\n`);
console.log('| measured | µs |');
console.log('| --- | ---: |');
for (const [name, us] of rows) console.log(`| ${name} | ${us.toFixed(us < 100 ? 2 : 0)} |`);
