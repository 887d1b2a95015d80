import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKlingClient } from '@klingkit/client';
import { launchChromium } from '@klingkit/test-browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockServer, type MockServer } from '../src/index.js';

/**
 * A real page in headless Chromium, on an origin other than the mock's, tries every way a web page has to
 * read or drive the controls: fetch (cors and no-cors), text/plain and JSON POSTs, forms, beacons, a script
 * tag, and a DNS-rebinding page that reaches the mock under its own host name. It must read nothing and
 * change nothing. Debian's Chromium; playwright never downloads a browser of its own.
 */

const API_KEY = 'apikey-browser-0123456789abcdef';
const PAGE = '<!doctype html><html><head><title>not the mock</title></head><body>hello</body></html>';

let mock: MockServer;
let mockUrl: string;
let attacker: Server;
let attackerUrl: string;
let browser: Browser;
let taskIds: string[];

/** The mock's state as a page could change it: tasks, settings, the clock (pushed ahead or not). */
const state = () =>
  JSON.stringify({
    tasks: mock.tasks(),
    config: mock.config(),
    clockAhead: mock.now() - Date.now() > 60_000,
  });

beforeAll(async () => {
  mock = createMockServer({ apiKeys: [API_KEY], limits: { balances: { [`api-key:${API_KEY}`]: 100 } } });
  mockUrl = await mock.listen({ port: 0, host: '127.0.0.1' });
  const client = createKlingClient({ apiKey: API_KEY, baseUrl: mockUrl });
  taskIds = [];
  for (const prompt of ['first secret prompt', 'second secret prompt'])
    taskIds.push((await client.tasks.create('generations', { prompt })).task_id);
  mock.advanceClock(10_000);
  attacker = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(PAGE);
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  browser = await launchChromium([
    // The rebinding page's name resolves to this machine, as an attacker's DNS would make it.
    '--host-resolver-rules=MAP evil.example 127.0.0.1',
    // Chromium's own guard (a page from the internet may not reach loopback) would stop the rebinding page
    // before the mock sees it; other browsers have no such guard, so the mock must hold on its own.
    '--disable-features=LocalNetworkAccessChecks',
  ]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => attacker?.close(resolve));
  await mock?.close();
});

/**
 * The mock's answers to the page's control requests, as the browser saw them on the wire (DevTools reports
 * the status even when CORS keeps the answer from the page), e.g. `POST /__mock/reset 403`, sorted.
 */
async function wireAnswers(page: Page): Promise<() => string[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = new Map<string, string>();
  const statuses = new Map<string, number>();
  cdp.on('Network.requestWillBeSent', ({ requestId, request }) => {
    requests.set(requestId, `${request.method} ${new URL(request.url).pathname}`);
  });
  cdp.on('Network.responseReceivedExtraInfo', ({ requestId, statusCode }) => {
    statuses.set(requestId, statusCode);
  });
  return () =>
    [...statuses]
      .flatMap(([id, status]) => {
        const request = requests.get(id);
        const control = request?.includes(' /__mock/') && !request.includes(' /__mock/images/');
        return control ? [`${request} ${status}`] : [];
      })
      .sort();
}

/** A new page on the attacker's origin, with its control requests' answers wired. */
async function attackerPage(): Promise<{ page: Page; answers: () => string[] }> {
  const page = await browser.newPage();
  const answers = await wireAnswers(page);
  await page.goto(attackerUrl);
  return { page, answers };
}

/** Runs `run` in the page, then waits until the mock has answered `expected` control requests in all. */
async function attack<T>(answers: () => string[], expected: number, run: () => Promise<T>): Promise<T> {
  const result = await run();
  await expect.poll(() => answers().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(expected);
  return result;
}

describe('a page on another origin', () => {
  it('reads nothing from the controls, with fetch in cors or no-cors mode', async () => {
    const { page, answers } = await attackerPage();
    const before = state();
    const results = await attack(answers, 4, () =>
      page.evaluate(async (base) => {
        const tryRead = async (path: string, init?: RequestInit) => {
          try {
            const response = await fetch(`${base}${path}`, init);
            return { type: response.type, status: response.status, text: await response.text() };
          } catch (error) {
            return { error: String(error) };
          }
        };
        return [
          await tryRead('/__mock/tasks'),
          await tryRead('/__mock/config'),
          await tryRead('/__mock/tasks', { mode: 'no-cors' }),
          await tryRead('/__mock/config', { mode: 'no-cors' }),
        ];
      }, mockUrl),
    );
    expect(results).toEqual([
      { error: 'TypeError: Failed to fetch' },
      { error: 'TypeError: Failed to fetch' },
      { type: 'opaque', status: 0, text: '' },
      { type: 'opaque', status: 0, text: '' },
    ]);
    expect(answers()).toEqual([
      'GET /__mock/config 403',
      'GET /__mock/config 403',
      'GET /__mock/tasks 403',
      'GET /__mock/tasks 403',
    ]);
    expect(state()).toBe(before);

    // The same page does reach the mock, and keeps reading what is meant to be public: API answers and
    // result images carry CORS for browser apps.
    const open = await page.evaluate(
      async ({ base, image }) => [
        (await fetch(`${base}/v1/images/generations`)).status,
        (await fetch(`${base}${image}`)).headers.get('content-type'),
      ],
      { base: mockUrl, image: `/__mock/images/${taskIds[0]}/0.png` },
    );
    expect(open).toEqual([401, 'image/png']);
    await page.close();
  });

  it('cannot steer an API request with the X-Kling-Mock header', async () => {
    const page = await browser.newPage();
    await page.goto(attackerUrl);
    const since = mock.requests().at(-1)?.sequence ?? 0;
    const results = await page.evaluate(
      async ({ base, key }) => {
        const tryFetch = async (init: RequestInit) => {
          try {
            const response = await fetch(`${base}/v1/images/generations`, init);
            return { type: response.type, status: response.status };
          } catch (error) {
            return { error: String(error) };
          }
        };
        return [
          // Not a simple request: the API's preflight does not allow the header, so the GET never leaves.
          await tryFetch({ headers: { authorization: `Bearer ${key}`, 'x-kling-mock': 'code=1101' } }),
          // no-cors requests may carry only safelisted headers: the browser drops it, the GET goes unsteered.
          await tryFetch({ mode: 'no-cors', headers: { 'x-kling-mock': 'code=1101' } }),
        ];
      },
      { base: mockUrl, key: API_KEY },
    );
    expect(results).toEqual([{ error: 'TypeError: Failed to fetch' }, { type: 'opaque', status: 0 }]);
    // Only the unsteered GET reached the API (and was refused for want of credentials).
    expect(mock.requests({ since }).map((entry) => entry.code)).toEqual([1001]);
    await page.close();
  });

  it('changes nothing with text/plain, no-cors and JSON POSTs', async () => {
    const { page, answers } = await attackerPage();
    const before = state();
    const results = await attack(answers, 7, () =>
      page.evaluate(async (base) => {
        const post = async (path: string, body: string, init: RequestInit) => {
          try {
            const response = await fetch(`${base}${path}`, { method: 'POST', body, ...init });
            return { type: response.type, status: response.status, text: await response.text() };
          } catch (error) {
            return { error: String(error) };
          }
        };
        const text = { headers: { 'content-type': 'text/plain' } };
        return [
          await post('/__mock/reset', '{}', text),
          await post('/__mock/config', '{"limits":{"concurrency":1}}', text),
          await post('/__mock/reset', '', { mode: 'no-cors' }),
          await post('/__mock/fail-next', '{"count":5}', { mode: 'no-cors' }),
          await post('/__mock/clock', '{"advanceMs":315360000000}', { mode: 'no-cors' }),
          await post('/__mock/inject-error', '{"code":1304,"count":5}', { mode: 'no-cors', ...text }),
          // Not a simple request: the browser asks first, and the mock's preflight answer allows nothing.
          await post('/__mock/reset', '{}', { headers: { 'content-type': 'application/json' } }),
        ];
      }, mockUrl),
    );
    const failed = { error: 'TypeError: Failed to fetch' };
    const opaque = { type: 'opaque', status: 0, text: '' };
    expect(results).toEqual([failed, failed, opaque, opaque, opaque, opaque, failed]);
    // Every request the page got onto the wire was refused for its origin; the JSON POST never left, as
    // its preflight was refused too.
    expect(answers()).toEqual([
      'OPTIONS /__mock/reset 403',
      'POST /__mock/clock 403',
      'POST /__mock/config 403',
      'POST /__mock/fail-next 403',
      'POST /__mock/inject-error 403',
      'POST /__mock/reset 403',
      'POST /__mock/reset 403',
    ]);
    expect(state()).toBe(before);
    await page.close();
  });

  it('changes nothing with form submissions, beacons or a script tag', async () => {
    const { page, answers } = await attackerPage();
    const before = state();
    await attack(answers, 4, () =>
      page.evaluate((base) => {
        const submit = (path: string, enctype: string, fields: Record<string, string>) => {
          const frame = document.createElement('iframe');
          frame.name = `target-${path.replaceAll('/', '-')}-${enctype.length}`;
          document.body.append(frame);
          const form = document.createElement('form');
          Object.assign(form, { method: 'POST', action: `${base}${path}`, enctype, target: frame.name });
          for (const [name, value] of Object.entries(fields)) {
            const input = document.createElement('input');
            Object.assign(input, { name, value });
            form.append(input);
          }
          document.body.append(form);
          form.submit();
        };
        // text/plain forms can spell a JSON body: `{"limits":{"concurrency":1},"x":"=..."}`.
        submit('/__mock/config', 'text/plain', { '{"limits":{"concurrency":1},"x":"': '"}' });
        submit('/__mock/reset', 'application/x-www-form-urlencoded', { a: 'b' });
        submit('/__mock/fail-next', 'multipart/form-data', { count: '5' });
        const script = document.createElement('script');
        script.src = `${base}/__mock/tasks`;
        document.body.append(script);
      }, mockUrl),
    );
    expect(answers()).toEqual([
      'GET /__mock/tasks 403',
      'POST /__mock/config 403',
      'POST /__mock/fail-next 403',
      'POST /__mock/reset 403',
    ]);
    expect(state()).toBe(before);

    const beacons = await attack(answers, 7, () =>
      page.evaluate((base) => {
        const sent: unknown[] = [];
        for (const [path, body] of [
          ['/__mock/reset', ''],
          ['/__mock/fail-next', new Blob(['{"count":5}'], { type: 'text/plain' })],
          ['/__mock/config', new URLSearchParams({ limits: '1' })],
        ] as const) {
          try {
            sent.push(navigator.sendBeacon(`${base}${path}`, body));
          } catch (error) {
            sent.push(String(error));
          }
        }
        return sent;
      }, mockUrl),
    );
    expect(beacons).toEqual([true, true, true]);
    expect(answers()).toEqual([
      'GET /__mock/tasks 403',
      'POST /__mock/config 403',
      'POST /__mock/config 403',
      'POST /__mock/fail-next 403',
      'POST /__mock/fail-next 403',
      'POST /__mock/reset 403',
      'POST /__mock/reset 403',
    ]);
    expect(state()).toBe(before);
    await page.close();
  });
});

describe('a DNS-rebinding page', () => {
  it('reaches the mock under its own name, and is refused on the Host header', async () => {
    const { port } = new URL(mockUrl);
    const evil = `http://evil.example:${port}`;
    const page = await browser.newPage();
    // The attacker's server answers the first lookup with the page; then the name points at this machine, and
    // every further request from the page goes to the mock, same-origin as far as the browser can tell.
    await page.route(`${evil}/`, (route) => route.fulfill({ contentType: 'text/html', body: PAGE }));
    await page.goto(`${evil}/`);
    const before = state();
    const results = await page.evaluate(async () => {
      const read = async (path: string, init?: RequestInit) => {
        const response = await fetch(path, init);
        return { status: response.status, text: await response.text() };
      };
      const json = { 'content-type': 'application/json' };
      return [
        await read('/__mock/tasks'),
        await read('/__mock/config'),
        await read('/__mock/reset', { method: 'POST', headers: json, body: '{}' }),
        await read('/__mock/config', { method: 'POST', headers: json, body: '{"limits":{"concurrency":1}}' }),
        await read('/v1/images/generations'),
      ];
    });
    for (const result of results.slice(0, 4)) {
      expect(result.status).toBe(403);
      expect(result.text).toContain('DNS rebinding');
      for (const secret of [...taskIds, 'secret prompt', API_KEY]) expect(result.text).not.toContain(secret);
    }
    // The page does reach the mock: the API answers it (and wants credentials).
    expect(results[4]?.status).toBe(401);
    expect(state()).toBe(before);

    // Same-origin as far as the browser can tell, the page may send any header: the mock refuses the
    // X-Kling-Mock header on the Host, as it refuses the controls.
    const steered = await page.evaluate(async (key) => {
      const response = await fetch('/v1/images/generations', {
        headers: { authorization: `Bearer ${key}`, 'x-kling-mock': 'code=1101' },
      });
      return { status: response.status, body: (await response.json()) as { code: number; message: string } };
    }, API_KEY);
    expect(steered.status).toBe(403);
    expect(steered.body.code).toBe(1103);
    expect(steered.body.message).toContain('DNS rebinding');
    expect(mock.requests().at(-1)).toMatchObject({ code: 1103, status: 403 });
    await page.close();
  });
});
