import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createMockServer } from '@klingkit/mock-server';
import { routeKling } from '@klingkit/mock-server/playwright';
import { launchChromium } from '@klingkit/test-browser';
import type { Browser } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveGallery } from './page-under-test.js';

const outputDir = fileURLToPath(new URL('../test-output/', import.meta.url));

let mock: ReturnType<typeof createMockServer>;
let site: PreviewServer;
let siteUrl: string;
let browser: Browser;
/**
 * The API origin the page is pointed at. Nothing listens there: routeKling hands the page's API and image
 * requests to the in-process mock. (A loopback origin, because the page only talks to its host or loopback.)
 */
const apiUrl = 'http://127.0.0.1:4010';

beforeAll(async () => {
  mock = createMockServer();
  ({ url: siteUrl, server: site } = await serveGallery());
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await mock?.close();
});

describe('gallery in headless Chromium', () => {
  it('submits a prompt, waits for the task and renders the generated images', async () => {
    const page = await browser.newPage();
    await routeKling(page, mock, { baseUrl: apiUrl });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(`${siteUrl}?api=${encodeURIComponent(apiUrl)}`);

    await page.fill('textarea[name=prompt]', 'a lighthouse on a cliff at dusk');
    await page.fill('input[name=count]', '2');
    await page.click('button[type=submit]');

    await page.waitForSelector('#tasks li[data-status=succeed]', { timeout: 30_000 });
    const images = page.locator('#images img');
    await expect.poll(() => images.count()).toBe(2);
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('#images img')].every((i) => i.complete),
    );
    const widths = await images.evaluateAll((nodes) =>
      nodes.map((node) => (node as HTMLImageElement).naturalWidth),
    );
    expect(widths.every((width) => width > 0)).toBe(true);
    // The page's requests reached this mock instance.
    expect(mock.tasks()).toHaveLength(1);

    await mkdir(outputDir, { recursive: true });
    await page.screenshot({ path: `${outputDir}gallery.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
