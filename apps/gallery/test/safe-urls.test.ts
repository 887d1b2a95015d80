import { describe, expect, it } from 'vitest';
import { chooseApi, httpUrl } from '../src/safe-urls.js';

describe('httpUrl: which result URLs the page may put in src and href', () => {
  it.each(['https://cdn.example/a.png', 'http://127.0.0.1:4010/__mock/images/t/0.png'])('keeps %s', (url) => {
    expect(httpUrl(url)).toBe(url);
  });

  it.each([
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    '\tjava\nscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:image/png;base64,iVBORw0KGgo=',
    'vbscript:msgbox(1)',
    'blob:http://127.0.0.1/0f0f',
    'file:///etc/passwd',
    '/relative/a.png',
    '//evil.example/a.png',
    '',
  ])('drops %j', (url) => {
    expect(httpUrl(url)).toBeUndefined();
  });

  it('drops what is not a string', () => {
    expect(httpUrl({ toString: () => 'https://x.example' })).toBeUndefined();
    expect(httpUrl(42)).toBeUndefined();
  });
});

describe('chooseApi: where ?api= may point the page', () => {
  const FALLBACK = 'http://127.0.0.1:4010';

  it.each([
    ['http://127.0.0.1:4010', 'gallery.example', 'http://127.0.0.1:4010'],
    ['http://127.9.8.7:1234/', 'gallery.example', 'http://127.9.8.7:1234'],
    ['http://2130706433:4010', 'gallery.example', 'http://127.0.0.1:4010'],
    ['http://LOCALHOST:5000', 'gallery.example', 'http://localhost:5000'],
    ['http://[::1]:4010', 'gallery.example', 'http://[::1]:4010'],
    ['https://gallery.example:8443', 'gallery.example', 'https://gallery.example:8443'],
  ])('accepts %s on a page at %s', (param, host, baseUrl) => {
    expect(chooseApi(param, host, FALLBACK)).toEqual({ baseUrl });
  });

  it.each([
    ['https://evil.example', 'neither this page', 'gallery.example'],
    ['http://127.0.0.1.evil.example:4010', 'neither this page', 'gallery.example'],
    ['http://localhost.evil.example', 'neither this page', 'gallery.example'],
    ['https://gallery.example.evil.example', 'neither this page', 'gallery.example'],
    ['http://10.0.0.1:4010', 'neither this page', '127.0.0.1'],
    ['http://user:pass@127.0.0.1:4010', 'user name or password', 'gallery.example'],
    ['javascript:alert(1)', 'not an absolute http(s) URL', 'gallery.example'],
    ['ftp://127.0.0.1', 'not an absolute http(s) URL', 'gallery.example'],
    ['//evil.example', 'not an absolute http(s) URL', 'gallery.example'],
  ])('refuses %s (%s) on a page at %s and keeps the default', (param, reason, host) => {
    const choice = chooseApi(param, host, FALLBACK);
    expect(choice.baseUrl).toBe(FALLBACK);
    expect(choice.refused).toContain(reason);
  });

  it('uses the default when there is no ?api=', () => {
    expect(chooseApi(null, 'gallery.example', FALLBACK)).toEqual({ baseUrl: FALLBACK });
  });
});
