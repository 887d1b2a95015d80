import { randomUUID } from 'node:crypto';
import type { MockResponse } from './mock-request.js';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/** `{code: 0, message: 'SUCCEED', request_id, data}`. */
export function success(data: unknown): MockResponse {
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: JSON.stringify({ code: 0, message: 'SUCCEED', request_id: randomUUID(), data }),
  };
}

/** The error envelope (no `data`), with the HTTP status the spec declares for `code`. */
export function failure(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): MockResponse {
  return {
    status,
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify({ code, message, request_id: randomUUID() }),
  };
}
