import { describe, expect, it } from 'vitest';
import { webOrigin } from './web-origin.js';

describe('webOrigin', () => {
  it('reads an http(s) origin, normalised', () => {
    expect(webOrigin('HTTP://Example.org:80/')).toBe('http://example.org');
    expect(webOrigin('https://[::1]:8443')).toBe('https://[::1]:8443');
  });

  it.each([
    'https://example.org/v1',
    'https://user:pass@example.org',
    'https://example.org/?q=1',
    'https://example.org/#x',
    'ftp://example.org',
    'javascript:alert(1)',
    'example.org',
    '',
    42,
    undefined,
  ])('refuses %j', (value) => {
    expect(webOrigin(value)).toBeUndefined();
  });
});
