import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KlingConnectionError } from '../core/errors.js';
import { downloadImages } from './download.js';

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const served: Record<string, Response | (() => Response)> = {};
const fetch = async (request: Request) => {
  const answer = served[request.url];
  if (!answer) return new Response('gone', { status: 404 });
  return typeof answer === 'function' ? answer() : answer;
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'klingkit-download-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('downloadImages', () => {
  it('streams images and series images, and watermark variants on request, with stable names', async () => {
    served['https://cdn/a.png'] = new Response(png, { headers: { 'content-type': 'image/png' } });
    served['https://cdn/a-wm.jpg'] = new Response(png, { headers: { 'content-type': 'image/jpeg' } });
    served['https://cdn/s1.png'] = new Response(png, { headers: { 'content-type': 'image/png' } });
    const task = {
      task_id: 'T1',
      task_result: {
        images: [{ index: 0, url: 'https://cdn/a.png', watermark_url: 'https://cdn/a-wm.jpg' }],
        series_images: [{ index: 1, url: 'https://cdn/s1.png' }],
      },
    };
    const saved = await downloadImages(task, dir, { fetch, watermark: true });
    expect(saved.map((s) => [s.index, s.variant, s.path.slice(dir.length + 1), s.bytes])).toEqual([
      [0, 'image', 'T1-0.png', png.byteLength],
      [0, 'watermark', 'T1-0-watermark.jpg', png.byteLength],
      [1, 'image', 'T1-1.png', png.byteLength],
    ]);
    expect(new Uint8Array(await readFile(join(dir, 'T1-0.png')))).toEqual(png);
  });

  it('fails clearly on an expired URL and leaves no partial file', async () => {
    const task = { task_id: 'T2', task_result: { images: [{ index: 0, url: 'https://cdn/expired.png' }] } };
    const error = await downloadImages(task, dir, { fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlingConnectionError);
    expect(String(error)).toMatch(/HTTP 404; result URLs expire 30 days after generation/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes the partial file when the stream breaks mid-way', async () => {
    served['https://cdn/broken.png'] = () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(png);
            controller.error(new Error('connection reset'));
          },
        }),
        { headers: { 'content-type': 'image/png' } },
      );
    const task = { task_id: 'T3', task_result: { images: [{ index: 0, url: 'https://cdn/broken.png' }] } };
    await expect(downloadImages(task, dir, { fetch })).rejects.toThrow(/connection reset/);
    expect(await readdir(dir)).toEqual([]);
  });
});
