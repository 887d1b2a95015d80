/**
 * The failure path as a browser page gets it: the entry bundled with code splitting (as browser-bundle.test.ts
 * builds it) and served from 127.0.0.1 to headless Chromium. A page whose requests fail fetches the failure
 * chunk once, however many calls fail at the same time, and words the errors with it; a page that cannot
 * fetch the chunk still gets each call's own failure, fetch's error as its cause.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, stop } from './loopback.js';

/** Debian's Chromium; playwright never downloads a browser of its own here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The page: three calls at once to an API nobody listens on, each reported as how it failed. A script of the
 * page's own, not page.evaluate's: the test runner rewrites `import()` in functions it hands to the page.
 */
const PAGE = `<!doctype html><title>klingkit</title><script type="module">
import { createKlingClient } from '/index.js';
window.failTogether = (baseUrl) => {
  const kling = createKlingClient({ apiKey: 'ak-1', baseUrl, maxRetries: 0 });
  const calls = [
    kling.tasks.get('generations', '1'),
    kling.tasks.get('omni', '2'),
    kling.POST('/v1/images/generations', { body: { prompt: 'a cat' } }),
  ];
  return Promise.all(calls.map((call) => call.then(
    () => ({ name: 'resolved', message: '', method: '', cause: '' }),
    (error) => ({ name: error.name, message: error.message, method: error.method, cause: String(error.cause) }),
  )));
};
</script>`;

let browser: Browser;
let site: Server;
let siteUrl: string;
let closedUrl: string;
/** The paths the page asked for, in order. */
let requested: string[] = [];
/** Whether the failure chunk is answered 404, as on a network that dropped it. */
let dropFailureChunk = false;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\`.`);
  const { outputFiles } = await build({
    entryPoints: { index: new URL('../src/index.ts', import.meta.url).pathname },
    bundle: true,
    splitting: true,
    outdir: 'browser-bundle', // nothing is written; esbuild needs it to name the chunks
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const files = new Map(outputFiles.map((file) => [`/${file.path.split('/').pop()}`, file.text]));
  site = createServer((request, response) => {
    const path = request.url ?? '/';
    requested.push(path);
    const script = files.get(path);
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    } else if (script === undefined || (dropFailureChunk && path.startsWith('/failure-'))) {
      response.writeHead(404).end();
    } else {
      // no-store: each page fetches the chunks afresh, so the counts below are its own.
      response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(script);
    }
  });
  siteUrl = `http://127.0.0.1:${await listen(site)}`;
  // A port that was just free: nothing listens there any more.
  const closed = createServer();
  closedUrl = `http://127.0.0.1:${await listen(closed)}`;
  await stop(closed);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  if (site) await stop(site);
});

interface Outcome {
  name: string;
  message: string;
  method: string;
  cause: string;
}

/** Three calls at once from a fresh page to an API nobody listens on; how each one failed. */
async function failTogether(): Promise<Outcome[]> {
  const page = await browser.newPage();
  try {
    await page.goto(siteUrl);
    requested = [];
    await page.waitForFunction(() => 'failTogether' in window);
    return await page.evaluate(
      (baseUrl) =>
        (window as unknown as { failTogether(url: string): Promise<Outcome[]> }).failTogether(baseUrl),
      closedUrl,
    );
  } finally {
    await page.close();
  }
}

describe('the failure chunk in headless Chromium', () => {
  it('is fetched once for calls that fail together, and words their errors', async () => {
    dropFailureChunk = false;
    const outcomes = await failTogether();
    expect(outcomes.map(({ name, message }) => ({ name, message }))).toEqual([
      {
        name: 'KlingConnectionError',
        message: `GET ${closedUrl}/v1/images/generations/1 failed: Failed to fetch`,
      },
      {
        name: 'KlingConnectionError',
        message: `GET ${closedUrl}/v1/images/omni-image/2 failed: Failed to fetch`,
      },
      {
        name: 'KlingConnectionError',
        message: `POST ${closedUrl}/v1/images/generations failed: Failed to fetch`,
      },
    ]);
    expect(requested.filter((path) => path.startsWith('/failure-'))).toHaveLength(1);
  });

  it('when it cannot be fetched, fails each call with its own error', async () => {
    dropFailureChunk = true;
    const outcomes = await failTogether();
    expect(outcomes).toEqual([
      {
        name: 'KlingConnectionError',
        message: 'GET request failed',
        method: 'GET',
        cause: 'TypeError: Failed to fetch',
      },
      {
        name: 'KlingConnectionError',
        message: 'GET request failed',
        method: 'GET',
        cause: 'TypeError: Failed to fetch',
      },
      {
        name: 'KlingConnectionError',
        message: 'POST request failed',
        method: 'POST',
        cause: 'TypeError: Failed to fetch',
      },
    ]);
    expect(requested.some((path) => path.startsWith('/failure-'))).toBe(true);
  });
});
