import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKlingClient } from '@klingkit/client';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createMockServer, createRecorder, type Recorder } from '../src/index.js';
import { cleanupsAfterEach } from './fixtures/cleanups.js';
import { listenOnLoopback, send } from './fixtures/loopback-http.js';

/**
 * The recorder against hostile peers: a target that redirects, floods, stalls or answers with escape
 * sequences; requests that try to leave /v1/, carry 60 MB or come in under a rebinding name; and the files
 * it writes, which must never hold a credential or token.
 */

const cleanups = cleanupsAfterEach();

async function outDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kling-record-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** A test HTTP server on 127.0.0.1 that logs what reaches it and answers with `answer`. */
async function hostile(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server: Server = createServer((request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    request.resume();
    answer(request, response);
  });
  return { url: `http://127.0.0.1:${await listenOnLoopback(server, cleanups)}`, seen };
}

async function recording(target: string, options: { maxBodyBytes?: number; timeoutMs?: number } = {}) {
  const out = await outDir();
  const recorder: Recorder = createRecorder({ target, out, ...options });
  const url = await recorder.listen();
  let closed = false;
  cleanups.push(async () => {
    if (!closed) await recorder.close();
  });
  return {
    recorder,
    url,
    out,
    close: async () => {
      closed = true;
      return recorder.close();
    },
  };
}

/** A raw request with exactly this path and these headers (fetch normalises both); a POST when it has a body. */
const raw = (url: string, path: string, headers: Record<string, string> = {}, body?: Buffer) =>
  send(url, { path, headers, method: body ? 'POST' : 'GET', body });

const okJson = (_request: IncomingMessage, response: ServerResponse) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end('{"code":0,"message":"SUCCEED","request_id":"r","data":[]}');
};

async function allFiles(dir: string): Promise<string> {
  const names = await readdir(dir);
  return (await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8')))).join('\n');
}

describe('the recorder refuses what it must not do', () => {
  it('takes only an http(s) target without credentials, query or fragment', () => {
    for (const target of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/plain,x',
      'ftp://example.com',
      'http://user:secret@example.com',
      'https://example.com/?token=x',
      'https://example.com/#x',
      'not a url',
    ]) {
      expect(() => createRecorder({ target, out: '/tmp/unused' }), target).toThrow(
        /target must be an http\(s\) base URL/,
      );
    }
    expect(() =>
      createRecorder({ target: 'https://example.com', out: '/tmp/unused', maxBodyBytes: 0 }),
    ).toThrow(/maxBodyBytes must be a whole number from 1 to 1073741824/);
    expect(() => createRecorder({ target: 'https://example.com', out: '/tmp/unused', name: '../x' })).toThrow(
      /name must be 1 to 100 letters/,
    );
  });

  it('listens on 127.0.0.1, forwards only /v1/ and never a path that dot segments lead out of it', async () => {
    const target = await hostile(okJson);
    const { url } = await recording(`${target.url}/base`);
    expect(new URL(url).hostname).toBe('127.0.0.1');
    for (const path of [
      '/v1/../admin',
      '/v1/%2e%2e/admin',
      '/v1/%2E%2E/%2e%2e/etc/passwd',
      '/admin',
      '/__mock/reset',
    ]) {
      const answer = await raw(url, path);
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.status, path).toBeLessThan(500);
    }
    expect(target.seen).toEqual([]);
    expect((await raw(url, '/v1/images/generations')).status).toBe(200);
    expect(target.seen.map(({ url: path }) => path)).toEqual(['/base/v1/images/generations']);
  });

  it('refuses a Host that is not its own (DNS rebinding), and answers under loopback names and addresses', async () => {
    const target = await hostile(okJson);
    const { url } = await recording(target.url);
    const port = new URL(url).port;
    expect(
      (await raw(url, '/v1/images/generations', { host: `rebind.attacker.example:${port}` })).status,
    ).toBe(403);
    expect(target.seen).toEqual([]);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `app.localhost:${port}`]) {
      expect((await raw(url, '/v1/images/generations', { host })).status, host).toBe(200);
    }
  });

  it('sends the credentials to the target only: no redirect is followed, no other header leaves', async () => {
    const elsewhere = await hostile(okJson);
    const target = await hostile((_request, response) => {
      response.writeHead(307, { location: `${elsewhere.url}/v1/images/generations` });
      response.end();
    });
    const { url } = await recording(target.url);
    const answer = await raw(url, '/v1/images/generations', {
      authorization: 'Bearer secret-api-key-0123456789',
      cookie: 'session=abc',
      'x-forwarded-for': '10.0.0.1',
      'x-custom': 'private',
    });
    expect(answer.status).toBe(307);
    expect(elsewhere.seen).toEqual([]);
    expect(target.seen).toHaveLength(1);
    const headers = target.seen[0]?.headers ?? {};
    expect(headers.authorization).toBe('Bearer secret-api-key-0123456789');
    for (const name of ['cookie', 'x-forwarded-for', 'x-custom'])
      expect(headers, name).not.toHaveProperty(name);
  });

  it('bounds bodies both ways: a 60 MB request is refused unsent, an endless answer is cut', async () => {
    const target = await hostile((request, response) => {
      if (request.url?.includes('flood')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (response.write(chunk)) {}
          response.once('drain', pump);
        };
        response.on('close', () => response.removeAllListeners('drain'));
        pump();
        return;
      }
      okJson(request, response);
    });
    const { url, close } = await recording(target.url, { maxBodyBytes: 1024 * 1024 });
    const big = await raw(
      url,
      '/v1/images/generations',
      { 'content-type': 'application/json', 'content-length': String(60 * 1024 * 1024) },
      Buffer.alloc(0),
    ).catch((error: Error) => ({ status: 0, body: error.message }));
    expect([413, 0]).toContain(big.status);
    // Undeclared, streamed: cut once it passes the bound.
    const streamed = await raw(
      url,
      '/v1/images/generations',
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      Buffer.alloc(2 * 1024 * 1024, 0x20),
    ).catch((error: Error) => ({ status: 0, body: error.message }));
    expect([413, 0]).toContain(streamed.status);
    expect(target.seen).toEqual([]);
    const flood = await raw(url, '/v1/images/generations/flood');
    expect(flood.status).toBe(502);
    expect(JSON.parse(flood.body).message).toMatch(/exceeds maxBodyBytes \(1048576 bytes\)/);
    const { run } = await close();
    expect(run.failed).toBe(1);
  });

  it('ends a request the target never answers, and one to a target that is gone', async () => {
    const stalled = await hostile(() => {});
    const { url } = await recording(stalled.url, { timeoutMs: 200 });
    const answer = await raw(url, '/v1/images/generations');
    expect(answer.status).toBe(504);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 5002 });

    const gone = await hostile(okJson);
    const goneUrl = gone.url;
    await cleanups.splice(-1)[0]?.();
    const { url: second } = await recording(goneUrl);
    const unreachable = await raw(second, '/v1/images/generations');
    expect(unreachable.status).toBe(502);
    expect(JSON.parse(unreachable.body).message).toMatch(/could not be reached \(ECONNREFUSED\)/);
  });

  it('never overwrites a run or writes through a link left in its place', async () => {
    const target = await hostile(okJson);
    const out = await outDir();
    await writeFile(join(out, 'drift.md'), 'an earlier report');
    await expect(createRecorder({ target: target.url, out }).listen()).rejects.toThrow(/exists already/);
    expect(await readFile(join(out, 'drift.md'), 'utf8')).toBe('an earlier report');

    const linked = await outDir();
    const victim = join(await outDir(), 'victim.txt');
    await symlink(victim, join(linked, 'recording.cassette.jsonl'));
    await expect(createRecorder({ target: target.url, out: linked }).listen()).rejects.toThrow(/EEXIST/);
    await expect(readFile(victim, 'utf8')).rejects.toThrow(/ENOENT/);
  });
});

describe('what the recorder writes', () => {
  it('holds no credential or token: no JWT, no SecretKey, no callback token, no signed URL, and images shortened', async () => {
    const platform = createMockServer({
      timings: { processingAfterMs: 0, processingMs: 0, perImageMs: 0 },
      drift: {
        addFields: {
          upload_token: 'tok-from-the-answer-0123',
          preview: 'https://cdn.example/x.png?X-Amz-Signature=sig-0123456789&w=1',
        },
      },
    });
    const target = await platform.listen();
    cleanups.push(() => platform.close());
    const { url, out, close } = await recording(target);
    const authorizations: string[] = [];
    const kling = createKlingClient({
      accessKey: 'demo-access-key',
      secretKey: 'demo-secret-key',
      baseUrl: url,
      fetch: (request: Request) => {
        authorizations.push(request.headers.get('authorization') ?? '');
        return fetch(request);
      },
    });
    const png = new PNG({ width: 320, height: 320 });
    const image = PNG.sync.write(png).toString('base64');
    const created = await kling.tasks.create('generations', {
      prompt: 'from an image',
      image,
      callback_url: 'http://127.0.0.1:9/kling?token=callback-secret-0123',
    });
    await kling.tasks.get('generations', created.task_id);
    const { findings } = await close();

    const written = await allFiles(out);
    const tokens = authorizations.map((header) => header.replace(/^Bearer /, ''));
    expect(tokens.length).toBeGreaterThan(0);
    for (const secret of [
      ...tokens,
      'demo-secret-key',
      'callback-secret-0123',
      'tok-from-the-answer-0123',
      'sig-0123456789',
      image.slice(0, 600),
    ]) {
      expect(written.includes(secret), secret.slice(0, 40)).toBe(false);
    }
    expect(written).not.toMatch(/eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\./);
    const [entry] = (await readFile(join(out, 'recording.cassette.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(entry.request.body.image).toMatch(
      new RegExp(`^\\[Base64 image: ${image.length} characters, sha256 [0-9a-f]{16}, starts iVBORw0KGgo`),
    );
    expect(entry.request.body.callback_url).toBe('http://127.0.0.1:9/[redacted]');
    expect(entry.redacted).toEqual(
      expect.arrayContaining([
        '/request/body/callback_url',
        '/answer/body/data/upload_token',
        '/answer/body/data/preview',
      ]),
    );
    const answer = JSON.parse(entry.answer.body);
    expect(answer.data.upload_token).toBe('[redacted]');
    expect(answer.data.preview).toBe('https://cdn.example/x.png?X-Amz-Signature=[redacted]&w=1');
    // The report names the undocumented fields, never their secret values.
    expect(findings.find((finding) => finding.pointer === '/body/data/upload_token')?.seen).toEqual([
      '[redacted]',
    ]);
  });

  it('keeps escape sequences and markup from a hostile answer out of the report', async () => {
    const nasty = '\u001b]52;c;cGF3bmVk\u0007\u001b[2J\u202e`|</code>';
    const target = await hostile((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ code: 0, message: 'SUCCEED', request_id: 'r', data: [], [`x${nasty}`]: nasty }),
      );
    });
    const { url, out, close } = await recording(target.url);
    await raw(url, '/v1/images/generations', { authorization: 'Bearer k' });
    const { findings } = await close();
    expect(findings).toHaveLength(1);
    for (const file of ['drift.md', 'drift.jsonl']) {
      const text = await readFile(join(out, file), 'utf8');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
      expect(text, file).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    }
    expect(await readFile(join(out, 'drift.md'), 'utf8')).toContain('\\u001b]52;c;cGF3bmVk');
  });

  it('finds a drift in the last item of a long list behind the same drift in every item before it', async () => {
    const task = { task_id: '1', task_status: 'succeed', created_at: 1, updated_at: 2, extra: 1 };
    const target = await hostile((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const data = Array.from({ length: 500 }, (_, index) =>
        index === 499 ? { ...task, late: true } : task,
      );
      response.end(JSON.stringify({ code: 0, message: 'SUCCEED', request_id: 'r', data }));
    });
    const { url, close } = await recording(target.url);
    await raw(url, '/v1/images/generations?pageSize=500', { authorization: 'Bearer k' });
    const { findings } = await close();
    expect(findings.map(({ pointer, count, first }) => `${pointer} ${count} ${first.pointer}`)).toEqual([
      '/body/data/*/extra 1 /body/data/0/extra',
      '/body/data/*/late 1 /body/data/499/late',
    ]);
  });

  it('writes nothing for requests outside the spec, and counts them', async () => {
    const target = await hostile(okJson);
    const { url, out, close } = await recording(target.url);
    await raw(url, '/v1/videos/text2video', { authorization: 'Bearer k' });
    const { run, findings } = await close();
    expect(run.unchecked).toBe(1);
    expect(findings).toEqual([]);
    expect(await readFile(join(out, 'recording.cassette.jsonl'), 'utf8')).toBe('');
    expect(target.seen).toHaveLength(1);
  });
});

describe('replay input', () => {
  it('refuses a bad cassette naming the file, the line and the field', async () => {
    const dir = await outDir();
    await mkdir(join(dir, 'sub'));
    expect(() => createMockServer({ replay: dir })).toThrow(/holds no \.cassette\.jsonl files/);
    const file = join(dir, 'bad.cassette.jsonl');
    const good = {
      v: 1,
      seq: 1,
      operation: 'getImageGenerationTask',
      request: { method: 'GET', path: '/v1/images/generations/1', query: '' },
      answer: { status: 200, headers: {}, body: '{}' },
    };
    await writeFile(file, `${JSON.stringify(good)}\n{"v":1}\n`);
    expect(() => createMockServer({ replay: dir })).toThrow(
      /bad\.cassette\.jsonl line 2: seq must be a whole number/,
    );
    await writeFile(file, JSON.stringify({ ...good, operation: 'listImageGenerationTasks' }));
    expect(() => createMockServer({ replay: file })).toThrow(
      /line 1: operation must be the operationId of GET/,
    );
    await writeFile(
      file,
      JSON.stringify({ ...good, answer: { ...good.answer, headers: { 'retry-after': '1\r\nx: y' } } }),
    );
    expect(() => createMockServer({ replay: file })).toThrow(
      /answer\.headers\.retry-after must be a one-line string/,
    );
    expect(() =>
      createMockServer({ replay: [{ ...good, answer: { ...good.answer, status: 99 } }] as never }),
    ).toThrow(/replay\[0\]: answer\.status must be an HTTP status/);
  });
});
