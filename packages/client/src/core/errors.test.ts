import { describe, expect, it } from 'vitest';
import { describeErrorCode, KLING_ERROR_CODES, KlingApiError } from './errors.js';

// The platform's published error-code table, written out independently of the implementation's table.
const platformTable: [code: number, http: number, category: string, retryable: boolean][] = [
  [1000, 401, 'auth', false],
  [1001, 401, 'auth', false],
  [1002, 401, 'auth', false],
  [1003, 401, 'auth', false],
  [1004, 401, 'auth', false],
  [1100, 429, 'account', false],
  [1101, 429, 'account', false],
  [1102, 429, 'account', false],
  [1103, 403, 'permission', false],
  [1200, 400, 'params', false],
  [1201, 400, 'params', false],
  [1202, 404, 'not_found', false],
  [1203, 404, 'not_found', false],
  [1300, 400, 'policy', false],
  [1301, 400, 'policy', false],
  [1302, 429, 'rate_limit', true],
  [1303, 429, 'rate_limit', true],
  [1304, 429, 'policy', false],
  [5000, 500, 'server', true],
  [5001, 503, 'server', true],
  [5002, 504, 'server', true],
];

describe('KlingApiError', () => {
  it.each(platformTable)('maps code %i (HTTP %i) to %s, retryable %s', (code, http, category, retryable) => {
    const error = new KlingApiError({ httpStatus: http, code, message: 'server says', requestId: 'req-1' });
    expect(error).toMatchObject({ httpStatus: http, code, category, retryable, requestId: 'req-1' });
    expect(error.apiMessage).toBe('server says');
    expect(error.message).toBe(`Kling API error ${code} (HTTP ${http}): server says [request_id req-1]`);
    expect(error).toBeInstanceOf(Error);
  });

  it('covers exactly the documented codes', () => {
    expect(Object.keys(KLING_ERROR_CODES).map(Number)).toEqual(platformTable.map(([code]) => code));
  });

  it('classifies bodies without a code, and undocumented codes, by HTTP status', () => {
    expect(describeErrorCode(undefined, 502)).toMatchObject({ category: 'server', retryable: true });
    expect(describeErrorCode(9999, 400)).toMatchObject({ category: 'params', retryable: false });
    expect(describeErrorCode(undefined, 418)).toMatchObject({ category: 'unknown', retryable: false });
    const error = new KlingApiError({ httpStatus: 502, code: undefined, message: '', requestId: undefined });
    expect(error.message).toBe('Kling API error HTTP 502: no message');
  });
});
