import { describe, expect, it } from 'vitest';
import { forwardedOrigin } from './forwarded.js';

const OWN = 'http://127.0.0.1:4010';

function originWith(headers: Record<string, string>, origin = OWN): string | undefined {
  const lower = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return forwardedOrigin({ header: (name) => lower.get(name) ?? null, origin });
}

describe('the origin a proxy says the client used', () => {
  it('reads X-Forwarded-Proto and X-Forwarded-Host, each alone or together, first hop first', () => {
    expect(originWith({})).toBeUndefined();
    expect(originWith({ 'x-forwarded-proto': 'https' })).toBe('https://127.0.0.1:4010');
    expect(originWith({ 'x-forwarded-host': 'kling.example' })).toBe('http://kling.example');
    expect(originWith({ 'x-forwarded-proto': 'HTTPS', 'x-forwarded-host': 'Kling.Example:8443' })).toBe(
      'https://kling.example:8443',
    );
    expect(
      originWith({ 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'outer.example, inner' }),
    ).toBe('https://outer.example');
    expect(originWith({ 'x-forwarded-host': '[2001:db8::1]:443', 'x-forwarded-proto': 'https' })).toBe(
      'https://[2001:db8::1]:443',
    );
    expect(originWith({ 'x-forwarded-proto': 'https' }, 'https://kling.mock')).toBe('https://kling.mock');
  });

  it('reads the first element of Forwarded (RFC 7239), quoted or not, over X-Forwarded-*', () => {
    expect(
      originWith({
        forwarded: 'for=192.0.2.60;proto=https;host="kling.example:8443", for=10.0.0.1;proto=http;host=inner',
        'x-forwarded-host': 'ignored.example',
      }),
    ).toBe('https://kling.example:8443');
    expect(originWith({ forwarded: 'Proto=https;By=10.0.0.2' })).toBe('https://127.0.0.1:4010');
    expect(originWith({ forwarded: 'host=kling.example' })).toBe('http://kling.example');
    // An element that names neither leaves X-Forwarded-* to say it.
    expect(originWith({ forwarded: 'for="[2001:db8::17]:4711"', 'x-forwarded-proto': 'https' })).toBe(
      'https://127.0.0.1:4010',
    );
  });

  it('ignores a hostile or malformed claim whole, falling back to the request origin', () => {
    const hostile: Record<string, string>[] = [
      { 'x-forwarded-host': 'evil.example/path' },
      { 'x-forwarded-host': 'evil.example?x=1' },
      { 'x-forwarded-host': 'evil.example#x' },
      { 'x-forwarded-host': 'user@evil.example' },
      { 'x-forwarded-host': 'evil.example\\x' },
      { 'x-forwarded-host': 'evil.example:99999' },
      { 'x-forwarded-host': 'evil.example:80:80' },
      { 'x-forwarded-host': '"evil.example"' },
      { 'x-forwarded-host': '<script>' },
      { 'x-forwarded-host': 'javascript:alert(1)' },
      { 'x-forwarded-host': `${'a'.repeat(300)}.example` },
      { 'x-forwarded-host': '' },
      { 'x-forwarded-host': `kling.example,${' '.repeat(2000)}x` },
      { 'x-forwarded-proto': 'javascript' },
      { 'x-forwarded-proto': 'ftp' },
      { 'x-forwarded-proto': 'https://evil.example' },
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example/x' },
      { 'x-forwarded-proto': 'data', 'x-forwarded-host': 'kling.example' },
      { forwarded: 'proto=https;host=evil.example/x' },
      { forwarded: 'host="evil\\".example"' },
      { forwarded: 'proto=https;proto=http' },
      { forwarded: 'proto=https;host=kling.example;' },
      { forwarded: 'proto=https host=kling.example' },
      { forwarded: 'proto=gopher' },
      { forwarded: `host=${'a'.repeat(1100)}` },
    ];
    for (const headers of hostile) {
      const origin = originWith(headers);
      expect(origin === undefined || origin === OWN, JSON.stringify(headers)).toBe(true);
    }
    expect(originWith({ forwarded: 'host=evil.example' })).toBe('http://evil.example');
  });
});
