// One sample of `testkit.mjs`, in a fresh process: `node testkit-sample.mjs <scenario> <checkout root>`.
// Prints `{"ms": ...}` for the timed part. The packages are imported from the checkout's builds by path, so
// the same script measures any checkout (the baseline, or this one).
import { createHmac } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const [scenario, root] = process.argv.slice(2);
/** @param {string} pkg */
const dist = (pkg, file = 'index.js') => pathToFileURL(`${root}/packages/${pkg}/dist/${file}`).href;
const DEMO = { accessKey: 'demo-access-key', secretKey: 'demo-secret-key' };
const ORIGIN = 'http://kling.mock';
const REQUEST = { prompt: 'a red fox in fresh snow', n: 2 };
const WARM_CALLS = 10;

/** A demo-account token made before the clock starts, so the timed part signs nothing itself. */
function demoToken() {
  const part = (/** @type {object} */ value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iss: DEMO.accessKey, exp: now + 1800, nbf: now - 5 })}`;
  return `${input}.${createHmac('sha256', DEMO.secretKey).update(input).digest('base64url')}`;
}

async function cold() {
  const token = demoToken();
  const started = performance.now();
  const { createMockServer } = await import(dist('mock-server'));
  const mock = createMockServer();
  const response = await mock.fetch(
    new Request(`${ORIGIN}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(REQUEST),
    }),
  );
  const body = await response.json();
  const ms = performance.now() - started;
  if (body.code !== 0) throw new Error(`first answer: ${JSON.stringify(body)}`);
  await mock.close();
  return ms;
}

/** A mock and a client the way each checkout offers them; the timed part is one generate(). */
/** @param {'defaults' | 'poll50' | 'testkit'} kind */
async function generate(kind, { warm = false } = {}) {
  // Typed as this checkout's packages have them; the baseline's may differ where it lacks the test kit.
  /** @type {import('@klingkit/mock-server').MockServer} */
  let mock;
  /** @type {import('@klingkit/client').KlingClient} */
  let kling;
  if (kind === 'testkit') {
    ({ mock, kling } = (await import(dist('mock-server', 'testing/index.js'))).createTestKit());
  } else {
    const { createMockServer } = await import(dist('mock-server'));
    const { createKlingClient } = await import(dist('client'));
    mock = createMockServer();
    kling = createKlingClient({
      ...DEMO,
      baseUrl: ORIGIN,
      fetch: (/** @type {Request} */ request) => mock.fetch(request),
    });
  }
  const options = kind === 'poll50' ? { pollIntervalMs: 50 } : {};
  const once = async () => {
    const started = performance.now();
    const { images } = await kling.tasks.generate('generations', REQUEST, options);
    const ms = performance.now() - started;
    if (images.length !== 2) throw new Error(`expected 2 images, got ${images.length}`);
    return ms;
  };
  let ms = await once();
  if (warm) {
    // The calls after the first, as the rest of a test file makes them.
    const later = [];
    for (let i = 0; i < WARM_CALLS; i++) later.push(await once());
    ms = later.sort((a, b) => a - b)[Math.floor(later.length / 2)] ?? ms;
  }
  await mock.close();
  return ms;
}

/** @type {Record<string, () => Promise<number>>} */
const scenarios = {
  cold,
  'generate-defaults': () => generate('defaults'),
  'generate-poll50': () => generate('poll50'),
  'generate-testkit': () => generate('testkit'),
  'generate-testkit-warm': () => generate('testkit', { warm: true }),
};
const run = scenarios[scenario ?? ''];
if (!run) throw new Error(`unknown scenario ${scenario}; one of ${Object.keys(scenarios).join(', ')}`);
console.log(JSON.stringify({ ms: await run() }));
