import { randomUUID } from 'node:crypto';
import type { MockResponse } from './mock-request.js';

/** CORS is open on every answer so browser demos can call the mock; built once, not per response. */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'retry-after',
} as const;
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', ...CORS_HEADERS };

/** `{code: 0, message: 'SUCCEED', request_id, data}`, around `data` that is serialized already. */
export function successWithJson(dataJson: string): MockResponse {
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: `{"code":0,"message":"SUCCEED","request_id":"${randomUUID()}","data":${dataJson}}`,
    code: 0,
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
    code,
  };
}
