import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KlingAbortError, KlingConnectionError } from '../core/errors.js';
import { downloadImages } from './download.js';
import { KlingDownloadError } from './download-error.js';

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const served: Record<string, Response | (() => Response)> = {};
const requested: Request[] = [];
const fetch = async (request: Request) => {
  requested.push(request);
  const answer = served[request.url];
  if (!answer) return new Response('gone', { status: 404 });
  return typeof answer === 'function' ? answer() : answer;
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'klingkit-download-'));
  requested.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the download to fail');
    },
    (error: unknown) => error,
  );

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

  it('fails on an expired URL with a KlingDownloadError holding the status, and leaves no partial file', async () => {
    const task = { task_id: 'T2', task_result: { images: [{ index: 0, url: 'https://cdn/expired.png' }] } };
    const error = await failure(downloadImages(task, dir, { fetch }));
    expect(error).toBeInstanceOf(KlingDownloadError);
    expect(error).not.toBeInstanceOf(KlingConnectionError);
    expect(error).toMatchObject({ reason: 'status', status: 404, url: 'https://cdn/expired.png' });
    expect(String(error)).toMatch(/HTTP 404; result URLs expire 30 days after generation/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes the partial file when the stream breaks mid-way, as a connection failure', async () => {
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
    const error = await failure(downloadImages(task, dir, { fetch }));
    expect(error).toMatchObject({ name: 'KlingDownloadError', reason: 'connection' });
    expect(String(error)).toMatch(/connection reset/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('asks for manual redirects and follows a 3xx the fetch function returns as is, relative Location included', async () => {
    served['https://cdn/moved.png'] = () =>
      new Response(null, { status: 302, headers: { location: '/files/here.png' } });
    served['https://cdn/files/here.png'] = () =>
      new Response(png, { headers: { 'content-type': 'image/png' } });
    const task = { task_id: 'T4', task_result: { images: [{ index: 0, url: 'https://cdn/moved.png' }] } };
    const [saved] = await downloadImages(task, dir, { fetch });
    expect(saved).toMatchObject({ url: 'https://cdn/moved.png', bytes: png.byteLength });
    expect(requested.map((request) => [request.url, request.redirect])).toEqual([
      ['https://cdn/moved.png', 'manual'],
      ['https://cdn/files/here.png', 'manual'],
    ]);
  });

  it('refuses a redirect the fetch function hid (opaqueredirect) instead of saving nothing silently', async () => {
    const opaque = new Response(null, { status: 200 });
    Object.defineProperty(opaque, 'type', { value: 'opaqueredirect' });
    served['https://cdn/opaque.png'] = opaque;
    const task = { task_id: 'T5', task_result: { images: [{ index: 0, url: 'https://cdn/opaque.png' }] } };
    expect(await failure(downloadImages(task, dir, { fetch }))).toMatchObject({ reason: 'redirect' });
  });

  it("rejects with the client's KlingAbortError when the signal fires mid-file, and removes the partial file", async () => {
    const controller = new AbortController();
    served['https://cdn/slow.png'] = () =>
      new Response(
        new ReadableStream({
          pull(stream) {
            stream.enqueue(png);
            // The caller gives up once bytes are on disk; the stream itself would go on for ever.
            setImmediate(() => controller.abort(new Error('user pressed Ctrl-C')));
            return new Promise(() => {});
          },
        }),
        { headers: { 'content-type': 'image/png' } },
      );
    const task = { task_id: 'T6', task_result: { images: [{ index: 0, url: 'https://cdn/slow.png' }] } };
    const error = await failure(downloadImages(task, dir, { fetch, signal: controller.signal }));
    expect(error).toBeInstanceOf(KlingAbortError);
    expect((error as Error).cause).toEqual(new Error('user pressed Ctrl-C'));
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ['maxBytes', 0],
    ['maxBytes', Number.NaN],
    ['maxBytes', Number.POSITIVE_INFINITY],
    ['maxBytes', 1.5],
    ['maxRedirects', -1],
    ['maxRedirects', 21],
    ['idleTimeoutMs', 0],
    ['idleTimeoutMs', Number.POSITIVE_INFINITY],
    ['timeoutMs', -5],
    // setTimeout would fire at once for a delay past 2^31 - 1 ms.
    ['timeoutMs', 2 ** 31],
  ])('refuses the option %s = %s with a RangeError naming it, before fetching', async (name, value) => {
    const task = { task_id: 'T7', task_result: { images: [{ index: 0, url: 'https://cdn/a.png' }] } };
    const error = await failure(downloadImages(task, dir, { fetch, [name]: value }));
    expect(error).toBeInstanceOf(RangeError);
    expect(String(error)).toContain(`${name} must be an integer from`);
    expect(requested).toEqual([]);
  });

  it.each([
    ['a path', '/../../y'],
    ['negative', -1],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['beyond safe integers', 2 ** 53],
    ['a numeric string', '0'],
  ])('refuses an index that is %s, naming the field and the task, before fetching', async (_, index) => {
    const task = {
      task_id: 'T8',
      task_result: {
        images: [
          { index: 0, url: 'https://cdn/a.png' },
          { index, url: 'https://cdn/b.png' },
        ],
      },
    };
    const error = await failure(downloadImages(task as never, dir, { fetch }));
    expect(error).toBeInstanceOf(KlingDownloadError);
    expect(error).toMatchObject({ reason: 'file-name' });
    expect(String(error)).toContain('task "T8", task_result.images[1]: index must be a non-negative integer');
    expect(requested).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ['task_id is not a string', { task_id: 42, task_result: { images: [] } }, 'file-name', /task_id must be/],
    ['task_id is empty', { task_id: '', task_result: { images: [] } }, 'file-name', /task_id must be/],
    ['images is not an array', { task_id: 'T', task_result: { images: 'abc' } }, 'task', /images must be an/],
    [
      'an image is not an object',
      { task_id: 'T', task_result: { images: [null] } },
      'task',
      /must be an object/,
    ],
    [
      'a url is not a string',
      { task_id: 'T', task_result: { images: [{ url: {} }] } },
      'url',
      /must be a string/,
    ],
    [
      'a url is relative',
      { task_id: 'T', task_result: { images: [{ url: '/a.png' }] } },
      'url',
      /absolute URL/,
    ],
    [
      'a url carries credentials',
      { task_id: 'T', task_result: { images: [{ url: 'https://user:pw@cdn/a.png' }] } },
      'url',
      /credentials/,
    ],
    [
      'two images share an index',
      {
        task_id: 'T',
        task_result: { images: [{ url: 'https://cdn/a.png' }, { index: 0, url: 'https://cdn/b.png' }] },
      },
      'file-name',
      /already has index 0/,
    ],
  ])('refuses a task whose %s, before fetching', async (_, task, reason, message) => {
    const error = await failure(downloadImages(task as never, dir, { fetch }));
    expect(error).toBeInstanceOf(KlingDownloadError);
    expect(error).toMatchObject({ reason });
    expect(String(error)).toMatch(message);
    expect(requested).toEqual([]);
  });

  it('quotes server text in its messages escaped and cut short: no terminal escape, no megabyte', async () => {
    const taskId = `\u001b]0;pwned\u0007\u009b31m${'x'.repeat(100_000)}`;
    const task = { task_id: taskId, task_result: { images: [{ index: -1, url: 'https://cdn/a.png' }] } };
    const error = await failure(downloadImages(task, dir, { fetch }));
    expect(error).toMatchObject({ reason: 'file-name' });
    const message = (error as Error).message;
    expect(message).toContain('\\u001b]0;pwned\\u0007\\u009b31m');
    const controls = [...message].filter((char) => {
      const code = char.charCodeAt(0);
      return code < 0x20 || (code >= 0x7f && code <= 0x9f);
    });
    expect(controls).toEqual([]);
    expect(message.length).toBeLessThan(300);
  });
});
