import { describe, expect, it } from 'vitest';
import { type DocumentedErrorCode, errorStatuses, loadSpec, retryAfterCodes } from './spec.js';

describe('the error codes the spec documents', () => {
  const spec = loadSpec();

  it('are the same in the generated types and at run time', () => {
    // `satisfies` fails the typecheck if the union lacks a code listed here or has one more.
    const typed = {
      1000: 401,
      1001: 401,
      1002: 401,
      1003: 401,
      1004: 401,
      1100: 429,
      1101: 429,
      1102: 429,
      1103: 403,
      1200: 400,
      1201: 400,
      1202: 404,
      1203: 404,
      1300: 400,
      1301: 400,
      1302: 429,
      1303: 429,
      1304: 429,
      5000: 500,
      5001: 503,
      5002: 504,
    } satisfies Record<DocumentedErrorCode, number>;
    expect(Object.fromEntries(errorStatuses(spec))).toEqual(typed);
  });

  it('may carry Retry-After where the spec declares the header: every 429 and 503 answer', () => {
    const statuses = errorStatuses(spec);
    const expected = [...statuses]
      .filter(([, status]) => status === 429 || status === 503)
      .map(([code]) => code);
    expect([...retryAfterCodes(spec)].sort()).toEqual(expected.sort());
  });
});
