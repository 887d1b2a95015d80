import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium } from '@klingkit/test-browser';
import type { Browser, Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveGallery } from './page-under-test.js';

/** Markup meant to run if the page ever parses server text as HTML. */
const MARKUP = '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2</script>';
/** One real 1x1 PNG, so the one honest result URL is seen to load. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const HOSTILE_URLS = [
  'javascript:alert(document.domain)',
  '  JavaScript:alert(2)',
  'data:text/html,<script>alert(3)</script>',
  'vbscript:msgbox(4)',
  'blob:http://127.0.0.1/0f0f0f0f',
];
const UNSAFE_SCHEME = /^\s*(javascript|data|vbscript|blob):/i;

let browser: Browser;
let site: PreviewServer;
let siteUrl: string;
let hostile: Server;
let hostileUrl: string;

/**
 * A Kling API impostor on 127.0.0.1, with CORS open as the real API's would be for a browser. The
 * prompt picks the attack: result URLs with script schemes, a failure reason with markup, an error
 * answer with markup.
 */
function startHostileApi(): Promise<string> {
  const prompts = new Map<string, string>();
  hostile = createServer(async (request, response) => {
    response.setHeader('access-control-allow-origin', '*');
    response.setHeader('access-control-allow-methods', 'GET, POST');
    response.setHeader(
      'access-control-allow-headers',
      request.headers['access-control-request-headers'] ?? '*',
    );
    if (request.method === 'OPTIONS') return void response.writeHead(204).end();
    if (request.url === '/result.png')
      return void response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    let body = '';
    for await (const chunk of request) body += chunk;
    const json = (status: number, value: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    const ok = (data: unknown) => json(200, { code: 0, message: 'SUCCEED', request_id: 'r', data });
    if (request.method === 'POST') {
      const { prompt } = JSON.parse(body) as { prompt: string };
      if (prompt === 'error') return json(400, { code: 1201, message: MARKUP, request_id: MARKUP });
      const taskId = `${MARKUP}${prompts.size}`;
      prompts.set(taskId, prompt);
      return ok({ task_id: taskId, task_status: 'submitted' });
    }
    const taskId = decodeURIComponent(request.url?.split('/').pop() ?? '');
    const prompt = prompts.get(taskId);
    if (prompt === 'failure')
      return ok({
        task_id: taskId,
        task_status: 'failed',
        task_status_msg: MARKUP,
        created_at: 1,
        updated_at: 2,
      });
    return ok({
      task_id: taskId,
      task_status: 'succeed',
      task_status_msg: MARKUP,
      created_at: 1,
      updated_at: 2,
      task_result: {
        images: [
          ...HOSTILE_URLS.map((url, index) => ({ index, url })),
          { index: HOSTILE_URLS.length, url: `${hostileUrl}/result.png` },
        ],
      },
    });
  });
  return new Promise((resolve) =>
    hostile.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(hostile.address() as AddressInfo).port}`),
    ),
  );
}

beforeAll(async () => {
  hostileUrl = await startHostileApi();
  ({ url: siteUrl, server: site } = await serveGallery());
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  hostile?.closeAllConnections();
  await new Promise((resolve) => hostile?.close(resolve));
});

/** A page that records every dialog (and dismisses it) and every page error. */
async function openGallery(query: string) {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(`${siteUrl}?${query}`);
  return { page, dialogs, pageErrors };
}

async function submit(page: Page, prompt: string, status: 'succeed' | 'failed') {
  await page.fill('textarea[name=prompt]', prompt);
  await page.click('button[type=submit]');
  await page.waitForSelector(`#tasks li[data-status=${status}]`, { timeout: 30_000 });
}

/** Every URL the document holds in an href or src attribute. */
const linkedUrls = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[href], [src]')].map(
      (node) => node.getAttribute('href') ?? node.getAttribute('src') ?? '',
    ),
  );

const pwned = (page: Page) => page.evaluate(() => (window as { __pwned?: number }).__pwned ?? null);

describe('gallery against a hostile API, in headless Chromium', () => {
  it('puts only http(s) result URLs into src and href, and shows the others as text', async () => {
    const { page, dialogs, pageErrors } = await openGallery(`api=${encodeURIComponent(hostileUrl)}`);
    await submit(page, 'urls', 'succeed');

    expect((await linkedUrls(page)).filter((url) => UNSAFE_SCHEME.test(url))).toEqual([]);
    // The one http URL is an image that loads, with its download link.
    const images = page.locator('#images img');
    await expect.poll(() => images.count()).toBe(1);
    await page.waitForFunction(() => document.querySelector<HTMLImageElement>('#images img')?.complete);
    expect(await images.evaluate((node) => (node as HTMLImageElement).naturalWidth)).toBe(1);
    expect(await page.locator('#images a').getAttribute('href')).toBe(`${hostileUrl}/result.png`);
    // Each refused URL is a placeholder that shows it as text.
    const refused = page.locator('#images figure.refused');
    expect(await refused.count()).toBe(HOSTILE_URLS.length);
    const refusedText = await refused.allTextContents();
    for (const url of HOSTILE_URLS) expect(refusedText.join('\n')).toContain(url);

    // Whatever a user clicks, nothing runs.
    for (const link of await page.locator('#images a, #images code').all()) await link.click();
    expect(dialogs).toEqual([]);
    expect(await pwned(page)).toBeNull();
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('shows a task id and failure reason with markup as text', async () => {
    const { page, dialogs } = await openGallery(`api=${encodeURIComponent(hostileUrl)}`);
    await submit(page, 'failure', 'failed');
    const row = page.locator('#tasks li[data-status=failed]');
    expect(await row.textContent()).toContain(`task failed: ${MARKUP}`);
    expect(await page.locator('#form-error').textContent()).toContain(MARKUP);
    expect(await page.locator('#tasks img, #tasks script, #form-error img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(await pwned(page)).toBeNull();
    await page.close();
  });

  it('shows an error answer with markup as text', async () => {
    const { page, dialogs } = await openGallery(`api=${encodeURIComponent(hostileUrl)}`);
    await submit(page, 'error', 'failed');
    expect(await page.locator('#form-error').textContent()).toBe(`1201: ${MARKUP} (request ${MARKUP})`);
    expect(await page.locator('#tasks img, #form-error img, #form-error script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(await pwned(page)).toBeNull();
    await page.close();
  });
});

describe('?api= in headless Chromium', () => {
  it('refuses an API on another host, says so, and sends it nothing', async () => {
    const page = await browser.newPage();
    const site = new URL(siteUrl);
    const elsewhere: string[] = [];
    // Every request that is not for the page itself is recorded and answered here, so none leaves the
    // machine; an API error answer ends the task quickly.
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host === site.host) return route.continue();
      elsewhere.push(url.href);
      return route.fulfill({
        status: 400,
        headers: { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' },
        contentType: 'application/json',
        body: JSON.stringify({ code: 1201, message: 'answered by the test', request_id: 'r' }),
      });
    });
    await page.goto(`${siteUrl}?api=${encodeURIComponent('https://evil.example')}`);

    const notice = page.locator('#api-notice');
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toContain(
      'Ignored ?api=https://evil.example: evil.example is neither',
    );
    expect(await page.locator('#connection').textContent()).not.toContain('evil.example');

    await submit(page, 'a fox', 'failed');
    // The create went somewhere (the default API), and nothing went to the refused host.
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(elsewhere.filter((url) => new URL(url).hostname === 'evil.example')).toEqual([]);
    await page.close();
  });

  it('accepts loopback and shows no notice', async () => {
    const page = await browser.newPage();
    await page.goto(`${siteUrl}?api=${encodeURIComponent(hostileUrl)}`);
    expect(await page.locator('#connection').textContent()).toBe(`API: ${hostileUrl}`);
    expect(await page.locator('#api-notice').isVisible()).toBe(false);
    await page.close();
  });
});
