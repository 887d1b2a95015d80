import { describe, expect, it } from 'vitest';
import { cleanJson, cleanQuery, isSecretName, matchKey, scrubText } from './cassette.js';

describe('cleaning what a cassette holds', () => {
  it('knows secret-looking names, in any case style, and leaves the API fields alone', () => {
    for (const name of [
      'api_key',
      'apiKey',
      'X-Amz-Signature',
      'OSSAccessKeyId',
      'token',
      'access_token',
      'secret',
      'Authorization',
      'sk',
      'password',
    ])
      expect(isSecretName(name), name).toBe(true);
    for (const name of [
      'task_id',
      'external_task_id',
      'keyword',
      'prompt',
      'callback_url',
      'image',
      'element_id',
      'request_id',
      'monkey',
    ])
      expect(isSecretName(name), name).toBe(false);
  });

  it('cuts tokens out of text: JWTs, bearer tokens, URL passwords, secret query values, given secrets', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhayJ9.c2lnbmF0dXJl';
    expect(scrubText(`token ${jwt} expired`)).toBe('token [redacted] expired');
    expect(scrubText('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [redacted]');
    expect(scrubText('see https://user:pw@cdn.example/x?sig=1&w=2&Signature=abc')).toBe(
      'see https://[redacted]@cdn.example/x?sig=[redacted]&w=2&Signature=[redacted]',
    );
    expect(scrubText('my key is opaque-key-123 ok', ['opaque-key-123'])).toBe('my key is [redacted] ok');
    expect(scrubText('nothing to see')).toBeUndefined();
  });

  it('cleans JSON: secret fields, callback URLs to their origin, Base64 images to a placeholder, and lists what it redacted', () => {
    const image = 'iVBORw0KGgo'.padEnd(2000, 'A');
    const { value, changed } = cleanJson(
      {
        prompt: 'p',
        image,
        image_list: [{ image: `data:image/png;base64,${image}` }],
        callback_url: 'https://app.example/hooks/per-task-token?token=t',
        nested: { api_key: 'k', list: [{ session: 's' }] },
        url: 'https://cdn.example/a.png?Expires=1&Signature=s',
      },
      { images: true },
      '/request/body',
    );
    expect(value).toEqual({
      prompt: 'p',
      image: expect.stringMatching(
        /^\[Base64 image: 2000 characters, sha256 [0-9a-f]{16}, starts iVBORw0KGgoAAAAA\]$/,
      ),
      image_list: [
        {
          image: expect.stringMatching(
            /^\[Base64 image: 2022 characters, sha256 .*starts data:image\/png;b\]$/,
          ),
        },
      ],
      callback_url: 'https://app.example/[redacted]',
      nested: { api_key: '[redacted]', list: [{ session: '[redacted]' }] },
      url: 'https://cdn.example/a.png?Expires=1&Signature=[redacted]',
    });
    expect(changed).toEqual([
      '/request/body/callback_url',
      '/request/body/nested/api_key',
      '/request/body/nested/list/0/session',
      '/request/body/url',
    ]);
    // Cleaning is idempotent, so a cleaned body matches the live request it came from.
    expect(cleanJson(value, { images: true }).changed).toEqual([]);
  });

  it('keeps a __proto__ key as data, never as a prototype', () => {
    const { value } = cleanJson(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__', 'a']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('redacts secret query parameters', () => {
    expect(cleanQuery('pageNum=2&api_key=k&access_token=t')).toEqual({
      query: 'pageNum=2&api_key=%5Bredacted%5D&access_token=%5Bredacted%5D',
      changed: true,
    });
    expect(cleanQuery('pageNum=2')).toEqual({ query: 'pageNum=2', changed: false });
  });
});

describe('the matching rule', () => {
  const create = (body: unknown) =>
    matchKey('createImageGenerationTask', '/v1/images/generations', {
      path: '/v1/images/generations',
      query: '',
      body,
    });

  it('matches a create whatever its external_task_id, callback_url and field order, not whatever its prompt', () => {
    expect(
      create({ prompt: 'p', n: 2, external_task_id: 'a', callback_url: 'https://x.example/1?token=1' }),
    ).toBe(create({ callback_url: 'https://y.example/2', external_task_id: 'b', n: 2, prompt: 'p' }));
    expect(create({ prompt: 'p', external_task_id: 'a' })).not.toBe(create({ prompt: 'p' }));
    expect(create({ prompt: 'p' })).not.toBe(create({ prompt: 'q' }));
    const image = 'A'.repeat(1000);
    expect(create({ prompt: 'p', image })).toBe(
      create({ prompt: 'p', image: cleanJson(image, { images: true }).value }),
    );
    expect(create({ prompt: 'p', image })).not.toBe(create({ prompt: 'p', image: 'B'.repeat(1000) }));
  });

  it("reads this run's external ids as the recorded ones, in paths and queries, and lists in any parameter order", () => {
    const ids = {
      toRecorded: new Map([['live-1', 'recorded-1']]),
      toLive: new Map([['recorded-1', 'live-1']]),
    };
    const get = (path: string, map?: typeof ids) =>
      matchKey('getImageGenerationTask', '/v1/images/generations/{id}', { path, query: '' }, map);
    expect(get('/v1/images/generations/live-1', ids)).toBe(get('/v1/images/generations/recorded-1'));
    expect(get('/v1/images/generations/live%2D1', ids)).toBe(get('/v1/images/generations/recorded-1'));
    const list = (query: string, map?: typeof ids) =>
      matchKey(
        'listImageGenerationTasks',
        '/v1/images/generations',
        { path: '/v1/images/generations', query },
        map,
      );
    expect(list('external_task_id=live-1', ids)).toBe(list('external_task_id=recorded-1'));
    expect(list('pageSize=5&pageNum=2')).toBe(list('pageNum=2&pageSize=5'));
    expect(list('pageNum=2')).not.toBe(list('pageNum=3'));
  });
});
