export type { ApiKeyCredentials, KeyPairCredentials, KlingCredentials, TokenProvider } from './core/auth.js';
export { createTokenProvider } from './core/auth.js';
export type { KlingClient, KlingClientOptions } from './core/client.js';
export { createKlingClient, KLING_SERVERS } from './core/client.js';
export type { KlingErrorCategory, KlingErrorCode, KlingErrorCodeInfo } from './core/errors.js';
export { describeErrorCode, isKlingApiError, KLING_ERROR_CODES, KlingApiError } from './core/errors.js';
export type * from './generated/schema.js';
