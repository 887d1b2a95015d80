export type {
  ApiKeyCredentials,
  KeyPairCredentials,
  KlingCredentials,
  TokenProvider,
  TokenSourceCredentials,
} from './core/auth.js';
export { createTokenProvider } from './core/auth.js';
export type { KlingClientOptions, KlingClock, KlingLogger, RequestOptions } from './core/client.js';
export { KLING_SERVERS } from './core/client.js';
export type { KlingErrorCategory, KlingErrorCodeInfo } from './core/errors.js';
export {
  describeErrorCode,
  isKlingApiError,
  KLING_ERROR_CODES,
  KlingAbortError,
  KlingApiError,
  KlingConnectionError,
  KlingError,
} from './core/errors.js';
export type { RetryOptions } from './core/retry.js';
export type * from './generated/schema.js';
export type { KlingClient } from './kling-client.js';
export { createKlingClient } from './kling-client.js';
export type { ListOptions, TaskList } from './lib/pagination.js';
export { MAX_PAGE_NUM } from './lib/pagination.js';
export { KlingTaskFailedError, KlingWaitTimeoutError } from './lib/task-errors.js';
export type {
  CreateRequestOf,
  GenerateResult,
  TaskFamily,
  TaskOf,
  TaskSelector,
  TaskWorkflows,
  WaitOptions,
} from './lib/tasks.js';
