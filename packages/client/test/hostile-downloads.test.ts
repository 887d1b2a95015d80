/**
 * `downloadImages` against a real HTTP server on 127.0.0.1 that plays a malicious file host and a malicious
 * Kling API: traversal through task ids and indexes, other schemes, redirects, content types, endless and
 * trickling bodies. Every case checks the error and that no file, partial or whole, lands anywhere it
 * should not. Timeouts are set short through options; nothing here measures the clock.
 */
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KlingConnectionError } from '../src/core/errors.js';
import { createKlingClient } from '../src/kling-client.js';
import { downloadImages, KlingDownloadError, safeFileStem } from '../src/node/index.js';
import { rejectionOf } from './rejection.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3]);
const DATA_PNG = `data:image/png;base64,${PNG.toString('base64')}`;

/** Answers that ended on the server's side because the client hung up, by path. */
const hangUps = new Map<string, Promise<unknown>>();
const apiPaths: string[] = [];
/** The task the hostile API reports as succeeded on every query. */
let apiTask: Record<string, unknown> = {};

function fileHost(request: IncomingMessage, response: ServerResponse): void {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  hangUps.set(path, once(response, 'close'));
  const image = (type: string, extra: Record<string, string> = {}) =>
    response.writeHead(200, { 'content-type': type, ...extra });
  const chain = /^\/img\/chain\/(\d+)$/.exec(path);
  if (chain) {
    const left = Number(chain[1]);
    if (left === 0) return void image('image/png').end(PNG);
    return void response.writeHead(302, { location: `/img/chain/${left - 1}` }).end();
  }
  switch (path) {
    case '/img/ok.png':
      return void image('image/png').end(PNG);
    case '/img/shouting.jpg':
      return void image('Image/JPEG; charset=binary').end(PNG);
    case '/img/html':
      return void image('text/html').end('<script>alert(1)</script>');
    case '/img/svg':
      return void image('image/svg+xml').end('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
    case '/img/untyped':
      // node sends no content-type unless told to.
      return void response.writeHead(200).end(PNG);
    case '/img/gone':
      return void response.writeHead(404, { 'content-type': 'text/plain' }).end('expired');
    case '/img/broken':
      return void response.writeHead(500, { 'content-type': 'text/plain' }).end('oops');
    case '/img/huge-declared':
      // Declares 10 MB, then sends a little and waits: only the header can refuse it in time.
      image('image/png', { 'content-length': String(10_000_000) });
      return void response.write(PNG);
    case '/img/endless': {
      image('image/png');
      const chunk = Buffer.alloc(16 * 1024, 7);
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) {}
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
      return;
    }
    case '/img/stalls':
      image('image/png');
      return void response.write(PNG);
    case '/img/silent':
      return; // never answers at all
    case '/img/trickle': {
      image('image/png');
      const timer = setInterval(() => response.write(PNG.subarray(0, 1)), 10);
      response.on('close', () => clearInterval(timer));
      return;
    }
    case '/img/to-file':
      return void response.writeHead(302, { location: 'file:///etc/passwd' }).end();
    case '/img/to-data':
      return void response.writeHead(302, { location: DATA_PNG }).end();
    case '/img/to-javascript':
      return void response.writeHead(301, { location: 'javascript:alert(1)' }).end();
    case '/img/loop':
      return void response.writeHead(302, { location: '/img/loop' }).end();
    case '/img/relative':
      return void response.writeHead(307, { location: 'ok.png' }).end();
    default:
      return void response.writeHead(404).end();
  }
}

/** Speaks the platform's envelope and says every task succeeded, with whatever `apiTask` holds. */
function klingApi(request: IncomingMessage, response: ServerResponse): void {
  apiPaths.push(`${request.method} ${request.url}`);
  const now = Date.now();
  const data =
    request.method === 'POST'
      ? {
          task_id: apiTask.task_id,
          task_status: 'submitted',
          task_info: {},
          created_at: now,
          updated_at: now,
        }
      : {
          task_status: 'succeed',
          task_status_msg: '',
          task_info: {},
          created_at: now,
          updated_at: now,
          ...apiTask,
        };
  request.resume();
  response
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ code: 0, message: '', request_id: 'hostile-1', data }));
}

let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((request, response) =>
    request.url?.startsWith('/v1/') ? klingApi(request, response) : fileHost(request, response),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

/** `dir` sits four levels below `root`, so a traversal of up to four `..` still lands where we can look. */
let root: string;
let dir: string;
beforeEach(async (context) => {
  root = await mkdtemp(join(tmpdir(), 'klingkit-hostile-'));
  dir = join(root, 'a', 'b', 'c', 'out');
  await mkdir(dir, { recursive: true });
  hangUps.clear();
  apiPaths.length = 0;
  context.onTestFinished(() => rm(root, { recursive: true, force: true }));
});

/** Every file under `root`, relative to it. */
async function filesUnderRoot(): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

const inOut = (...names: string[]) => names.map((name) => join('a', 'b', 'c', 'out', name)).sort();

/** Global fetch, counted: proves which URLs were never requested. */
const fetched: string[] = [];
const countingFetch = (request: Request) => {
  fetched.push(request.url);
  return fetch(request);
};
beforeEach(() => {
  fetched.length = 0;
});

const taskWith = (url: string, taskId = 'T1') => ({
  task_id: taskId,
  task_result: { images: [{ index: 0, url }] },
});

/** The rejection of `promise`, which must be a KlingDownloadError. */
const refusal = (promise: Promise<unknown>) => rejectionOf(promise, KlingDownloadError);

describe('a hostile file host and hostile task data', () => {
  it('keeps a traversing task_id inside dir: the id is escaped into one plain name', async () => {
    const saved = await downloadImages(taskWith(`${origin}/img/ok.png`, '../../../x'), dir, {
      fetch: countingFetch,
    });
    expect(saved.map((file) => relative(dir, file.path))).toEqual(['_2e._2f.._2f.._2fx-0.png']);
    expect(await filesUnderRoot()).toEqual(inOut('_2e._2f.._2f.._2fx-0.png'));
    expect(await readFile(join(dir, '_2e._2f.._2f.._2fx-0.png'))).toEqual(PNG);
  });

  it('refuses a traversing index, naming the field and the task, and writes nothing', async () => {
    const task = {
      task_id: 'T1',
      task_result: { images: [{ index: '/../../y', url: `${origin}/img/ok.png` }] },
    };
    const error = await refusal(downloadImages(task as never, dir, { fetch: countingFetch }));
    expect(error.reason).toBe('file-name');
    expect(error.message).toContain('task "T1", task_result.images[0]: index must be a non-negative integer');
    expect(error.message).toContain('got "/../../y"');
    expect(fetched).toEqual([]);
    expect(await filesUnderRoot()).toEqual([]);
  });

  it('maps base64-like ids with + and / (and one spelling out the escape) to distinct safe names', async () => {
    const ids = ['CjMT7+Wd/Sw==', 'CjMT7_2bWd_2fSw_3d_3d', 'CjMT7-Wd-Sw', '.hidden', '-rf'];
    const names: string[] = [];
    for (const id of ids) {
      const [saved] = await downloadImages(taskWith(`${origin}/img/ok.png`, id), dir, {
        fetch: countingFetch,
      });
      names.push(relative(dir, saved?.path ?? ''));
    }
    expect(new Set(names).size).toBe(ids.length);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
    expect(names).toEqual(ids.map((id) => `${safeFileStem(id)}-0.png`));
    expect(await filesUnderRoot()).toEqual(inOut(...names));
  });

  it.each([
    ['data:', DATA_PNG],
    ['file:', 'file:///etc/passwd'],
    ['javascript:', 'javascript:alert(1)'],
    ['blob:', 'blob:http://127.0.0.1/0b2c'],
    ['ftp:', 'ftp://127.0.0.1/x.png'],
  ])('refuses a %s URL without fetching anything', async (scheme, url) => {
    // The hostile URL is the second image: nothing, not even the first, is fetched.
    const task = { task_id: 'T1', task_result: { images: [{ url: `${origin}/img/ok.png` }, { url }] } };
    const error = await refusal(downloadImages(task, dir, { fetch: countingFetch }));
    expect(error.reason).toBe('scheme');
    expect(error.message).toContain(`not "${scheme}"`);
    expect(fetched).toEqual([]);
    expect(await filesUnderRoot()).toEqual([]);
  });

  it.each([
    ['file:', '/img/to-file'],
    ['data:', '/img/to-data'],
    ['javascript:', '/img/to-javascript'],
  ])('refuses a redirect to %s and follows it nowhere', async (scheme, path) => {
    const error = await refusal(downloadImages(taskWith(`${origin}${path}`), dir, { fetch: countingFetch }));
    expect(error).toMatchObject({ reason: 'scheme', url: `${origin}${path}` });
    expect(error.status).toBeGreaterThanOrEqual(301);
    expect(error.message).toContain(`redirect to "${scheme}`);
    expect(fetched).toEqual([`${origin}${path}`]);
    expect(await filesUnderRoot()).toEqual([]);
  });

  it('ends a redirect loop after maxRedirects', async () => {
    const error = await refusal(
      downloadImages(taskWith(`${origin}/img/loop`), dir, { fetch: countingFetch, maxRedirects: 3 }),
    );
    expect(error).toMatchObject({ reason: 'redirect', status: 302 });
    expect(error.message).toContain('more than 3 redirects (maxRedirects)');
    expect(fetched).toHaveLength(4);
    expect(await filesUnderRoot()).toEqual([]);
  });

  it('follows relative redirects up to maxRedirects with the global fetch (redirect: manual)', async () => {
    const [saved] = await downloadImages(taskWith(`${origin}/img/relative`), dir);
    expect(saved?.bytes).toBe(PNG.byteLength);
    await downloadImages(taskWith(`${origin}/img/chain/2`, 'T2'), dir, { maxRedirects: 2 });
    const error = await refusal(
      downloadImages(taskWith(`${origin}/img/chain/3`, 'T3'), dir, { maxRedirects: 2 }),
    );
    expect(error.reason).toBe('redirect');
    expect(await filesUnderRoot()).toEqual(inOut('T1-0.png', 'T2-0.png'));
  });

  it.each([
    ['text/html', '/img/html', /content-type "text\/html"/],
    ['image/svg+xml', '/img/svg', /content-type "image\/svg\+xml"/],
    ['no content type', '/img/untyped', /no content-type/],
  ])('refuses an answer of %s', async (_, path, message) => {
    const error = await refusal(downloadImages(taskWith(`${origin}${path}`), dir));
    expect(error).toMatchObject({ reason: 'content-type', status: 200 });
    expect(error.message).toMatch(message);
    expect(await filesUnderRoot()).toEqual([]);
  });

  it('reads the content type case-insensitively, ignores its parameters, and takes the extension from its map', async () => {
    const [saved] = await downloadImages(taskWith(`${origin}/img/shouting.jpg`), dir);
    expect(relative(dir, saved?.path ?? '')).toBe('T1-0.jpg');
  });

  it('refuses a declared Content-Length over maxBytes before reading, and hangs up', async () => {
    const error = await refusal(
      downloadImages(taskWith(`${origin}/img/huge-declared`), dir, { maxBytes: 1000 }),
    );
    expect(error).toMatchObject({ reason: 'too-large', status: 200 });
    expect(error.message).toContain('declares 10000000 bytes, more than 1000 (maxBytes)');
    await hangUps.get('/img/huge-declared');
    expect(await filesUnderRoot()).toEqual([]);
  });

  it('cuts an endless body at maxBytes, hangs up, and leaves no partial file', async () => {
    const error = await refusal(
      downloadImages(taskWith(`${origin}/img/endless`), dir, { maxBytes: 100_000 }),
    );
    expect(error).toMatchObject({ reason: 'too-large', status: 200 });
    expect(error.message).toContain('more than 100000 bytes (maxBytes)');
    await hangUps.get('/img/endless');
    expect(await filesUnderRoot()).toEqual([]);
  });

  it.each([
    ['a body that stops sending', '/img/stalls'],
    ['a server that never answers', '/img/silent'],
  ])('ends %s after idleTimeoutMs, leaving no partial file', async (_, path) => {
    const error = await refusal(downloadImages(taskWith(`${origin}${path}`), dir, { idleTimeoutMs: 150 }));
    expect(error).toMatchObject({ reason: 'timeout', retryable: true });
    expect(error.message).toContain('no data for 150 ms (idleTimeoutMs)');
    await hangUps.get(path);
    expect(await filesUnderRoot()).toEqual([]);
  });

  it('ends a trickling body, too steady for the idle timeout, after timeoutMs', async () => {
    const error = await refusal(
      downloadImages(taskWith(`${origin}/img/trickle`), dir, { idleTimeoutMs: 5000, timeoutMs: 250 }),
    );
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(error.message).toContain('not complete after 250 ms (timeoutMs)');
    await hangUps.get('/img/trickle');
    expect(await filesUnderRoot()).toEqual([]);
  });

  it('reports a 404 the server did give as a KlingDownloadError with that status, not a connection error', async () => {
    const error = await refusal(downloadImages(taskWith(`${origin}/img/gone`), dir));
    expect(error).not.toBeInstanceOf(KlingConnectionError);
    expect(error).toMatchObject({
      reason: 'status',
      status: 404,
      retryable: false,
      url: `${origin}/img/gone`,
    });
    const broken = await refusal(downloadImages(taskWith(`${origin}/img/broken`), dir));
    expect(broken).toMatchObject({ reason: 'status', status: 500, retryable: true });
    expect(await filesUnderRoot()).toEqual([]);
  });

  it('keeps a refused file from touching the files completed before it', async () => {
    const task = {
      task_id: 'T1',
      task_result: { images: [{ url: `${origin}/img/ok.png` }, { url: `${origin}/img/html` }] },
    };
    const error = await refusal(downloadImages(task, dir));
    expect(error.message).toContain('task_result.images[1].url');
    expect(await filesUnderRoot()).toEqual(inOut('T1-0.png'));
  });
});

describe('generate + download against a hostile Kling API', () => {
  // A safety net only: the hostile API answers every query with the finished task.
  const WAIT = { pollIntervalMs: 1, timeoutMs: 4000 };
  const client = () => createKlingClient({ apiKey: 'hostile-test', baseUrl: origin, maxRetries: 0 });

  it('saves a succeeded task whose id is ../../evil inside dir only', async () => {
    apiTask = {
      task_id: '../../evil',
      task_result: {
        images: [
          { index: 0, url: `${origin}/img/ok.png` },
          { index: 1, url: `${origin}/img/ok.png` },
        ],
      },
    };
    const { task } = await client().tasks.generate('generations', { prompt: 'a fox' }, WAIT);
    expect(task.task_id).toBe('../../evil');
    const saved = await downloadImages(task, dir);
    expect(saved.map((file) => relative(dir, file.path))).toEqual([
      '_2e._2f.._2fevil-0.png',
      '_2e._2f.._2fevil-1.png',
    ]);
    expect(await filesUnderRoot()).toEqual(inOut('_2e._2f.._2fevil-0.png', '_2e._2f.._2fevil-1.png'));
  });

  it('refuses the result images of a task that points at traversing indexes and other schemes', async () => {
    apiTask = {
      task_id: 'CjMT7+Wd/Sw==',
      task_result: { images: [{ index: '/../../y', url: `${origin}/img/ok.png` }] },
    };
    const first = await client().tasks.generate('generations', { prompt: 'a fox' }, WAIT);
    expect((await refusal(downloadImages(first.task, dir))).reason).toBe('file-name');

    apiTask = {
      task_id: 'CjMT7+Wd/Sw==',
      task_result: {
        images: [
          { index: 0, url: `${origin}/img/to-file` },
          { index: 1, url: DATA_PNG },
        ],
      },
    };
    const second = await client().tasks.generate('generations', { prompt: 'a fox' }, WAIT);
    expect((await refusal(downloadImages(second.task, dir))).reason).toBe('scheme');
    expect(await filesUnderRoot()).toEqual([]);
  });
});
