import { KLING_SERVERS } from '@klingkit/client';
import { launchChromium } from '@klingkit/test-browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { routeKling } from '../src/adapters/playwright.js';
import { createMockServer } from '../src/mock-server.js';
import { pngOf } from './fixtures/images.js';

/**
 * A real page in headless Chromium talks to the real API host, routed by `routeKling` to a mock in this
 * process: no listener, no network (every name resolves to nothing, and a route registered first catches
 * and records whatever the helper leaves alone). Debian's Chromium; playwright never downloads a browser.
 */

const API = KLING_SERVERS.singapore;
const API_KEY = 'apikey-playwright-0123456789';
const APP = 'http://app.test/';

const mock = createMockServer({ apiKeys: [API_KEY] });
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Requests no mock route took, aborted before they could reach any network. */
let unrouted: string[];

beforeAll(async () => {
  browser = await launchChromium(['--host-resolver-rules=MAP * ~NOTFOUND']);
});

beforeEach(async () => {
  unrouted = [];
  context = await browser.newContext();
  // Registered first, so it runs only for what later routes (the helper's) leave to it.
  await context.route('**/*', (route) => {
    const request = route.request();
    if (request.url() === APP)
      return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>app</title>' });
    unrouted.push(`${request.method()} ${request.url()}`);
    return route.abort('blockedbyclient');
  });
  page = await context.newPage();
});

afterEach(async () => {
  await context.close();
  mock.reset();
  mock.configure({ faults: { dropRate: null } });
});

afterAll(async () => {
  await browser?.close();
  await mock.close();
});

/** Runs `fetch(url, init)` in the page: the answer's status and JSON, or the error a page sees. */
function pageFetch(url: string, init: RequestInit = {}) {
  return page.evaluate(
    async ([url, init]) => {
      try {
        const answer = await fetch(url, init);
        return { status: answer.status, json: await answer.json().catch(() => null) };
      } catch (error) {
        return { error: String(error) };
      }
    },
    [url, init] as const,
  );
}

const auth = { authorization: `Bearer ${API_KEY}` };
const json = { ...auth, 'content-type': 'application/json' };

describe('routeKling in headless Chromium', () => {
  it('serves a page’s create, polls and result images from the mock, cross-origin', async () => {
    await routeKling(page, mock);
    await page.goto(APP);
    const widths = await page.evaluate(
      async ({ api, headers }) => {
        const created = await fetch(`${api}/v1/images/generations`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ prompt: 'a heron in reeds', n: 2, aspect_ratio: '16:9' }),
        }).then((answer) => answer.json());
        let task = created.data;
        for (let poll = 0; poll < 500 && task.task_status !== 'succeed'; poll++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          task = await fetch(`${api}/v1/images/generations/${created.data.task_id}`, { headers }).then(
            (answer) => answer.json().then((body) => body.data),
          );
        }
        const images = task.task_result.images as { url: string }[];
        return Promise.all(
          images.map(
            ({ url }) =>
              new Promise<[string, number, number]>((resolve, reject) => {
                const img = new Image();
                img.onload = () => resolve([url, img.naturalWidth, img.naturalHeight]);
                img.onerror = () => reject(new Error(`image ${url} did not load`));
                img.src = url;
              }),
          ),
        );
      },
      { api: API, headers: json },
    );
    expect(widths).toHaveLength(2);
    for (const [url, width, height] of widths) {
      expect(url.startsWith(`${API}/__mock/images/`)).toBe(true);
      expect(width / height).toBeCloseTo(16 / 9, 1);
    }
    expect(mock.tasks()).toHaveLength(1);
    expect(unrouted).toEqual([]);
  });

  it('forwards method, headers and body (an input image the mock inspects), and the mock’s refusals', async () => {
    await routeKling(page, mock);
    await page.goto(APP);
    const image = pngOf(400, 400).toString('base64');
    const created = await pageFetch(`${API}/v1/images/generations`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ prompt: 'from this image', image }),
    });
    expect(created).toMatchObject({ status: 200, json: { code: 0 } });
    // The mock inspected the image's bytes: one pixel short of the minimum side is refused, naming the field.
    const small = pngOf(299, 400).toString('base64');
    const refused = await pageFetch(`${API}/v1/images/generations`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ prompt: 'from this image', image: small }),
    });
    expect(refused).toMatchObject({ status: 400, json: { code: 1201 } });
    expect(JSON.stringify(refused)).toContain('image');
    // Without the Authorization header the mock answers 401, so the header did reach it before.
    expect(await pageFetch(`${API}/v1/images/generations`)).toMatchObject({ status: 401 });
  });

  it('aborts the request when the mock drops the connection', async () => {
    await routeKling(page, mock);
    await page.goto(APP);
    mock.configure({ faults: { dropRate: 1 } });
    expect(await pageFetch(`${API}/v1/images/generations`, { headers: auth })).toEqual({
      error: 'TypeError: Failed to fetch',
    });
  });

  it('never lets the page reach the controls, and stops routing when removed', async () => {
    const unroute = await routeKling(context, mock, { baseUrl: API });
    await page.goto(APP);
    expect(await pageFetch(`${API}/v1/images/generations`, { headers: auth })).toMatchObject({ status: 200 });
    await pageFetch(`${API}/v1/images/generations`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ prompt: 'kept' }),
    });
    // Tasks move on by themselves; what a control could change is which tasks exist and the settings.
    const state = () =>
      JSON.stringify({ tasks: mock.tasks().map(({ task }) => task.task_id), config: mock.config() });
    const before = state();
    const attempts = [
      pageFetch(`${API}/__mock/tasks`),
      pageFetch(`${API}/__mock/images/../tasks`),
      pageFetch(`${API}/__mock/images/%2e%2e/config`),
      pageFetch(`${API}/__mock/reset`, { method: 'POST', headers: { 'content-type': 'application/json' } }),
      pageFetch(`${API}/__mock/clock`, { method: 'POST', body: '{"advanceMs": 999999999}' }),
      pageFetch(`${API}/__mock/inject-error`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"code": 1102, "count": 100}',
      }),
      pageFetch(`${API}/__mock/config`, { method: 'POST', body: '{"limits": {"balance": 0}}' }),
    ];
    for (const attempt of await Promise.all(attempts)) expect(attempt).toHaveProperty('error');
    expect(unrouted.map((line) => new URL(line.split(' ')[1] as string).pathname).sort()).toEqual([
      '/__mock/clock',
      '/__mock/config',
      '/__mock/config',
      '/__mock/inject-error',
      '/__mock/reset',
      '/__mock/tasks',
      '/__mock/tasks',
    ]);
    expect(state()).toBe(before);
    expect(mock.tasks()).toHaveLength(1);
    expect(mock.now() - Date.now()).toBeLessThan(60_000);

    await unroute();
    unrouted.length = 0;
    expect(await pageFetch(`${API}/v1/images/generations`, { headers: auth })).toHaveProperty('error');
    expect(unrouted).toEqual([`GET ${API}/v1/images/generations`]);
  });
});
