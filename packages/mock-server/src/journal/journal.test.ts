import { describe, expect, it } from 'vitest';
import { createAccountLabels } from '../auth/account-label.js';
import type { MockRequest, MockResponse } from '../http/mock-request.js';
import { createJournal, type JournalFilter } from './journal.js';
import { shortenBody } from './journal-body.js';

const answer = (status: number, code: number): MockResponse => ({ status, headers: {}, body: '', code });

function request(method: string, path: string): MockRequest {
  return {
    method,
    path,
    query: new URLSearchParams(),
    header: () => null,
    body: async () => Buffer.alloc(0),
    origin: 'http://127.0.0.1:1',
  };
}

describe('the request journal', () => {
  const setup = (size = 5) => {
    let now = 1000;
    const labels = createAccountLabels(['ak-1']);
    const journal = createJournal(size, { now: () => now++ }, labels);
    return { journal, labels };
  };

  it('keeps answered requests in arrival order with their route, clock time and answer; pending ones stay hidden', () => {
    const { journal } = setup();
    const create = journal.open(request('POST', '/v1/images/omni-image'));
    const get = journal.open(request('GET', '/v1/images/generations/42'));
    const wrongMethod = journal.open(request('DELETE', '/v1/images/generations'));
    journal.settle(get, answer(404, 1203));
    journal.settle(wrongMethod, answer(404, 1202));
    // The create still waits for its body: not shown yet, and shown in its arrival place once answered.
    expect(journal.requests().map((entry) => entry.sequence)).toEqual([2, 3]);
    create.account = 'ak-1';
    create.body = { prompt: 'a fox', n: 2 };
    create.taskId = '77';
    journal.settle(create, answer(200, 0));
    expect(journal.requests()).toEqual([
      {
        sequence: 1,
        at: 1000,
        operation: 'createOmniImageTask',
        family: 'omni',
        method: 'POST',
        path: '/v1/images/omni-image',
        query: null,
        account: 'ak-1',
        body: { prompt: 'a fox', n: 2 },
        status: 200,
        code: 0,
        taskId: '77',
      },
      expect.objectContaining({
        sequence: 2,
        operation: 'getImageGenerationTask',
        taskId: '42',
        account: null,
      }),
      expect.objectContaining({ sequence: 3, operation: null, family: 'generations', code: 1202 }),
    ]);
  });

  it('is bounded: the oldest entries drop out, order stays by arrival; 0 keeps none', () => {
    const { journal } = setup(3);
    for (let i = 0; i < 8; i++)
      journal.settle(journal.open(request('GET', `/v1/images/omni-image/${i}`)), answer(200, 0));
    expect(journal.requests().map((entry) => entry.taskId)).toEqual(['5', '6', '7']);
    const none = createJournal(0, { now: () => 0 }, createAccountLabels([]));
    none.settle(none.open(request('GET', '/v1/images/omni-image/1')), answer(200, 0));
    expect(none.requests()).toEqual([]);
  });

  it('filters by operation (id or kind), family, account (label or id), status, code and sequence', () => {
    const { journal, labels } = setup(10);
    const add = (method: string, path: string, account: string | undefined, status: number, code: number) => {
      const call = journal.open(request(method, path));
      call.account = account;
      journal.settle(call, answer(status, code));
    };
    add('POST', '/v1/images/omni-image', 'ak-1', 200, 0);
    add('GET', '/v1/images/omni-image/1', 'api-key:secret-key-123456', 429, 1303);
    add('GET', '/v1/images/generations', 'ak-1', 200, 0);
    add('GET', '/v1/images/generations/2', undefined, 401, 1004);
    const sequences = (filter: JournalFilter) => journal.requests(filter).map((entry) => entry.sequence);
    expect(sequences({ operation: 'get' })).toEqual([2, 4]);
    expect(sequences({ operation: 'listImageGenerationTasks' })).toEqual([3]);
    expect(sequences({ family: 'omni' })).toEqual([1, 2]);
    expect(sequences({ account: 'ak-1' })).toEqual([1, 3]);
    const label = labels.labelOf('api-key:secret-key-123456');
    expect(sequences({ account: label })).toEqual([2]);
    expect(sequences({ account: 'api-key:secret-key-123456' })).toEqual([2]);
    expect(sequences({ status: 200, family: 'generations' })).toEqual([3]);
    expect(sequences({ code: 1303 })).toEqual([2]);
    expect(sequences({ since: 2 })).toEqual([3, 4]);
    // No secret in what the journal shows: the API key appears only as its masked label.
    expect(JSON.stringify(journal.requests())).not.toContain('secret-key-123456');
    expect(journal.requests({ code: 1303 })[0]?.account).toBe(label);
  });

  it('refuses filters it does not know, naming the field and what it takes', () => {
    const { journal } = setup();
    const unchecked = (filter: unknown) => journal.requests(filter as JournalFilter);
    expect(() => unchecked({ verb: 'GET' })).toThrow(
      'filter has no field "verb"; allowed: operation, family, account, status, code, since',
    );
    expect(() => unchecked({ operation: 'poll' })).toThrow(
      /operation must be an operationId \(createImageGenerationTask, .*\) or one of create, get, list; got "poll"/,
    );
    expect(() => unchecked({ family: 'video' })).toThrow('family must be one of generations, omni');
    expect(() => unchecked({ status: 600 })).toThrow('status must be a whole number from 0 to 599; got 600');
    expect(() => unchecked({ code: '1303' })).toThrow(
      /code must be a whole number .* got "1303" \(a string\)/,
    );
    expect(() => unchecked({ since: -1 })).toThrow(/since must be a whole number from 0/);
    expect(() => unchecked({ account: 7 })).toThrow(
      'account must be a string of at most 1024 characters; got 7',
    );
    expect(() => createJournal(100_001, { now: () => 0 }, createAccountLabels([]))).toThrow(
      'journalSize must be a whole number from 0 to 100000; got 100001',
    );
  });

  it('forgets everything on clear and numbers from 1 again', () => {
    const { journal } = setup();
    journal.settle(journal.open(request('GET', '/v1/images/omni-image/1')), answer(200, 0));
    journal.clear();
    expect(journal.requests()).toEqual([]);
    journal.settle(journal.open(request('GET', '/v1/images/omni-image/2')), answer(200, 0));
    expect(journal.requests().map((entry) => entry.sequence)).toEqual([1]);
  });

  it('keeps a shortened copy of a large body from the moment it is answered, and hands out copies', () => {
    const { journal } = setup();
    const image = `iVBORw0KGgo${'A'.repeat(20_000)}`;
    const large = { prompt: 'a fox', image_list: [{ image }] };
    const small = { prompt: 'a cat' };
    for (const [body, bytes] of [
      [large, 20_100],
      [small, 20],
    ] as const) {
      const call = journal.open(request('POST', '/v1/images/omni-image'));
      call.body = body;
      call.bodyBytes = bytes;
      journal.settle(call, answer(200, 0));
    }
    // The large body's images were cut when it was answered: the journal no longer refers to it. A small body
    // is kept by reference (and copied when read).
    large.prompt = 'changed later';
    small.prompt = 'changed later';
    const size = Buffer.from(image, 'base64').length;
    expect(journal.requests().map((entry) => entry.body)).toEqual([
      { prompt: 'a fox', image_list: [{ image: `<base64 png ${size} bytes>` }] },
      { prompt: 'changed later' },
    ]);
    const [entry] = journal.requests();
    (entry?.body as { prompt: string }).prompt = 'changed by a reader';
    expect(journal.requests()[0]?.body).toMatchObject({ prompt: 'a fox' });
  });

  it('shows every path as sent: rebuilt for plain routes, kept for encoded ids, unknown paths and wrong methods', () => {
    const { journal } = setup(10);
    const record = (method: string, path: string, taskId?: string) => {
      const call = journal.open(request(method, path));
      if (taskId !== undefined) call.taskId = taskId;
      journal.settle(call, answer(200, 0));
    };
    const paths = [
      ['GET', '/v1/images/omni-image/123', undefined],
      ['GET', '/v1/images/omni-image/my%20id', '456'],
      ['GET', '/v1/images/omni-image/ext-1', '789'],
      ['GET', '/v1/images/generations', undefined],
      ['POST', '/v1/images/generations', '42'],
      ['PUT', '/v1/images/generations', undefined],
      ['GET', '/v2/elsewhere', undefined],
    ] as const;
    for (const [method, path, taskId] of paths) record(method, path, taskId);
    expect(journal.requests().map((entry) => `${entry.method} ${entry.path} ${entry.taskId}`)).toEqual([
      'GET /v1/images/omni-image/123 123',
      'GET /v1/images/omni-image/my%20id 456',
      'GET /v1/images/omni-image/ext-1 789',
      'GET /v1/images/generations null',
      'POST /v1/images/generations 42',
      'PUT /v1/images/generations null',
      'GET /v2/elsewhere null',
    ]);
  });
});

describe('journal bodies', () => {
  it('shortens Base64 images (PNG, JPEG, data: URLs) to their kind and decoded size, and keeps the rest', () => {
    const encoded = (magic: number[], length: number) =>
      Buffer.concat([Buffer.from(magic), Buffer.alloc(length - magic.length, 7)]).toString('base64');
    const png = encoded([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 758);
    const jpeg = encoded([0xff, 0xd8, 0xff], 151);
    const size = (base64: string) => Buffer.from(base64, 'base64').length;
    expect([png.slice(0, 11), jpeg.slice(0, 4), size(png), size(jpeg)]).toEqual([
      'iVBORw0KGgo',
      '/9j/',
      758,
      151,
    ]);
    expect(
      shortenBody({
        prompt: 'a red fox',
        image: png,
        image_list: [{ image: jpeg }, { image: 'https://example.com/fox.png' }],
        element_list: [{ frontal_image: `data:image/png;base64,${png}` }],
        n: 2,
        watermark_info: { enabled: true },
      }),
    ).toEqual({
      prompt: 'a red fox',
      image: `<base64 png ${size(png)} bytes>`,
      image_list: [{ image: `<base64 jpeg ${size(jpeg)} bytes>` }, { image: 'https://example.com/fox.png' }],
      element_list: [{ frontal_image: `<base64 png ${size(png)} bytes, as a data: URL>` }],
      n: 2,
      watermark_info: { enabled: true },
    });
  });

  it('bounds any body: long strings, long arrays, deep nesting, many values, hostile keys', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 5000; i++) deep = [deep];
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}');
    const shortened = shortenBody({
      text: 'x'.repeat(50_000),
      list: Array.from({ length: 1000 }, (_, i) => i),
      deep,
    }) as { text: string; list: unknown[]; deep: unknown };
    expect(shortened.text).toBe('<string of 50000 characters>');
    expect(shortened.list).toHaveLength(101);
    expect(shortened.list.at(-1)).toBe('<900 more items>');
    expect(JSON.stringify(shortened.deep)).toContain('<nested too deep>');
    const cut = shortenBody(many) as Record<string, unknown>;
    expect(Object.keys(cut).length).toBeLessThanOrEqual(502);
    expect(JSON.stringify(cut).length).toBeLessThan(10_000);
    const copied = shortenBody(hostile) as Record<string, unknown>;
    expect(Object.hasOwn(copied, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
  });
});
