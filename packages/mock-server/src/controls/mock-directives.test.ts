import { describe, expect, it } from 'vitest';
import { errorStatuses, loadSpec, retryAfterCodes } from '../validation/spec.js';
import { parseMockDirectives } from './mock-directives.js';

describe('X-Kling-Mock directives', () => {
  const spec = loadSpec();
  const codes = { statuses: errorStatuses(spec), retryAfter: retryAfterCodes(spec) };
  const parse = (value: string, kind: 'create' | 'get' | 'list' | undefined = 'create') =>
    parseMockDirectives(value, kind, codes);

  it('reads each directive, with spaces, any case of names and quoted values', () => {
    expect(parse('code=1303; retry-after=2')).toEqual({ code: 1303, retryAfterSeconds: 2 });
    expect(parse('  CODE = 5001 ;Retry-After=0  ')).toEqual({ code: 5001, retryAfterSeconds: 0 });
    expect(parse('outcome=failed; message="Out of ink; try again \\"later\\""')).toEqual({
      outcome: { status: 'failed', message: 'Out of ink; try again "later"' },
    });
    expect(parse('outcome=FAILED')).toEqual({
      outcome: { status: 'failed', message: 'Task failed as requested by the X-Kling-Mock header' },
    });
    expect(parse('outcome=succeed;latency=200')).toEqual({ outcome: { status: 'succeed' }, latencyMs: 200 });
    expect(parse('latency=12.5', 'get')).toEqual({ latencyMs: 12.5 });
    expect(parse('code=1203', 'list')).toEqual({ code: 1203 });
  });

  it('refuses what it cannot honour, naming the directive and what it takes', () => {
    const cases: [string, string | RegExp, ('create' | 'get' | 'list')?][] = [
      ['', 'the header is empty; it takes directives such as code=1303; retry-after=2'],
      ['  ;', /expected a directive name at character 3/],
      ['colour=red', 'unknown directive "colour"; allowed: code, retry-after, outcome, message, latency'],
      ['code=1303; code=1302', 'directive "code" appears twice'],
      ['code', 'directive "code" needs a value: code=...'],
      ['code=', 'the value of "code" must be a token (letters, digits, . - _) or a quoted string; got ""'],
      ['code=1303 1302', /must be a token .* got "1303 1302"/],
      ['code=1303, latency=5', /must be a token .* got "1303, latency=5"/],
      ['code="1303', 'the quoted value of "code" has no closing quote'],
      ['code="1303"x', `expected ';' after the value of "code"; got "x"`],
      ['code=9999', /code must be a business code the spec documents \(.*1303.*\); got "9999"/],
      ['code=0x51B', /code must be a business code .* got "0x51B"/],
      ['retry-after=2', /retry-after goes with a code whose answer carries Retry-After \(.*1303.*\)$/],
      ['code=5000; retry-after=2', /; code 5000 does not$/],
      ['code=1303; retry-after=3601', 'retry-after must be a whole number from 0 to 3600 (1 hour); got 3601'],
      [
        'code=1303; retry-after=1.5',
        /retry-after must be a whole number from 0 to 3600 \(1 hour\); got "1.5"/,
      ],
      ['outcome=maybe', 'outcome must be one of succeed, failed; got "maybe"'],
      [
        'outcome=failed',
        'outcome applies to creates only (POST /v1/images/generations or omni-image)',
        'get',
      ],
      ['code=1303; outcome=failed', /code and outcome exclude each other/],
      ['message=hi', 'message goes with outcome=failed'],
      ['outcome=succeed; message=hi', 'message goes with outcome=failed'],
      [`outcome=failed; message="${'m'.repeat(1001)}"`, 'message must be at most 1000 characters; got 1001'],
      ['latency=60001', 'latency must be a number from 0 to 60000 (60 s); got 60001'],
      ['latency=-1', /latency must be a number from 0 to 60000 \(60 s\); got "-1"/],
      ['latency=Infinity', /got "Infinity"/],
      ['latency=1e3', /got "1e3"/],
      [`latency=${'9'.repeat(3000)}`, 'the header is 3008 characters long; at most 2048'],
    ];
    for (const [value, message, kind] of cases) {
      expect(() => parse(value, kind), value.slice(0, 60)).toThrow(message);
    }
  });
});
