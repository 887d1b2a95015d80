import type { Authenticator } from './auth/authenticator.js';
import type { CallbackDispatcher } from './callbacks/callback-dispatcher.js';
import type { FaultInjector } from './faults/fault-injector.js';
import type { MockRequest, MockResponse } from './http/mock-request.js';
import type { ImageCache } from './images/image-cache.js';
import type { Clock } from './lifecycle/clock.js';
import type { TaskLifecycle } from './lifecycle/task-lifecycle.js';
import type { Timings } from './lifecycle/timings.js';
import type { AccountLimits } from './limits/account-limits.js';
import type { Outcomes } from './outcomes/outcomes.js';
import type { TaskRecord } from './store/task-record.js';
import type { TaskStore } from './store/task-store.js';
import type { RequestValidator } from './validation/request-validator.js';

/** The mock's parts, as the route handlers see them. Built once by createMockServer. */
export interface MockContext {
  options: { maxBodyBytes: number; retentionMs: number; publicUrl: string | undefined };
  clock: Clock;
  timings: Timings;
  validator: RequestValidator;
  authenticator: Authenticator;
  store: TaskStore;
  lifecycle: TaskLifecycle;
  limits: AccountLimits;
  callbacks: CallbackDispatcher;
  faults: FaultInjector;
  images: ImageCache;
  /** How a create's prompt is refused and how the task it makes ends (prompt markers, `failNext`). */
  outcomes: Pick<Outcomes, 'refusesPrompt' | 'planned'>;
  nextTaskId(): string;
  /** Sends the record's current state to its callback_url, if any. */
  notify(record: TaskRecord): void;
  /**
   * The origin a created task keeps (its callbacks' result URLs): `publicUrl`, or how the client reached the
   * mock. Never from forwarding headers: answers build their own URLs on those (`succeedWithTasks`).
   */
  originFor(request: MockRequest): string;
  /** The success envelope around `data`, already serialized. */
  succeedWithJson(dataJson: string): MockResponse;
  /** The success envelope around the records' task objects: one object, or a list when `records` is an array. */
  succeedWithTasks(records: TaskRecord | TaskRecord[], request: MockRequest): MockResponse;
  /** An error envelope with the status the spec declares for `code` (or `status` when given). */
  fail(code: number, message: string, status?: number): MockResponse;
}
