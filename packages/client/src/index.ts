export type {
  ApiKeyCredentials,
  KeyPairCredentials,
  KlingCredentials,
  TokenProvider,
  TokenSourceCredentials,
} from './core/auth.js';
export { createTokenProvider } from './core/auth.js';
export type {
  ClientDefaults,
  KlingClientOptions,
  KlingClock,
  KlingLogger,
  KlingVerb,
  RequestOptions,
} from './core/client.js';
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
// The types a user of the client names: requests, tasks, results, statuses, errors. The full generated
// `paths`, `components` and `operations` (and the envelopes) are on `@klingkit/client/schema`.
export type {
  CreatedTask,
  ElementReference,
  ErrorResponse,
  ImageGenerationCreateRequest,
  ImageGenerationTask,
  ImageGenerationTaskResult,
  ImageInput,
  OmniImageCreateRequest,
  OmniImageInput,
  OmniImageTask,
  OmniImageTaskResult,
  TaskInfo,
  TaskResultImage,
  TaskStatus,
  WatermarkInfo,
  WatermarkInfoRequest,
} from './generated/schema.js';
export type { KlingClient } from './kling-client.js';
export { createKlingClient } from './kling-client.js';
export type { ListOptions, TaskList } from './lib/pagination.js';
export { MAX_PAGE_NUM } from './lib/pagination.js';
export type { FamilyTask, KlingTaskFailedErrorConstructor } from './lib/task-errors.js';
export { KlingTaskFailedError, KlingWaitTimeoutError } from './lib/task-errors.js';
export type {
  CreateRequestOf,
  GenerateResult,
  TaskFamily,
  TaskOf,
  TaskProgress,
  TaskSelector,
  TaskWorkflows,
  WaitOptions,
} from './lib/tasks.js';
