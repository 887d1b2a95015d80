import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createMockServer } from '@klingkit/mock-server';
import { type Browser, chromium } from 'playwright-core';
import { type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Debian's Chromium, installed by .ci/run; playwright never downloads a browser of its own here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = fileURLToPath(new URL('..', import.meta.url));
const outputDir = fileURLToPath(new URL('../test-output/', import.meta.url));

let mock: ReturnType<typeof createMockServer>;
let site: PreviewServer;
let browser: Browser;
let apiUrl: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\`.`);
  mock = createMockServer();
  apiUrl = await mock.listen({ port: 0, host: '127.0.0.1' });
  // Serves the production build (turbo builds it before tests) on a free loopback port.
  site = await preview({
    root,
    preview: { port: 0, host: '127.0.0.1', strictPort: false },
    logLevel: 'silent',
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await mock?.close();
});

describe('gallery in headless Chromium', () => {
  it('submits a prompt, waits for the task and renders the generated images', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    const siteUrl = site.resolvedUrls?.local[0] as string;
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

    await mkdir(outputDir, { recursive: true });
    await page.screenshot({ path: `${outputDir}gallery.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
