import type { CallDeadline, RequestOptions, Transport } from '../core/client.js';
import { KlingApiError } from '../core/errors.js';
import type {
  CreatedTask,
  ImageGenerationCreateRequest,
  ImageGenerationTask,
  OmniImageCreateRequest,
  OmniImageTask,
  paths,
  TaskResultImage,
  TaskStatus,
} from '../generated/schema.js';
import { KlingTaskFailedError, KlingWaitTimeoutError } from './task-errors.js';

/** The two task families of the image API and their request and task shapes. */
export interface TaskFamilies {
  generations: { request: ImageGenerationCreateRequest; task: ImageGenerationTask };
  omni: { request: OmniImageCreateRequest; task: OmniImageTask };
}
/** The task families: the one name for them across klingkit (the mock and the CLI import it). */
export type TaskFamily = keyof TaskFamilies;
export type TaskOf<F extends TaskFamily> = TaskFamilies[F]['task'];
export type CreateRequestOf<F extends TaskFamily> = TaskFamilies[F]['request'];

/** Each family's collection path; a path the spec does not have fails to compile. */
export const FAMILY_PATHS = {
  generations: '/v1/images/generations',
  omni: '/v1/images/omni-image',
} as const satisfies Record<TaskFamily, keyof paths>;

/** What a poll reports to `onProgress`: the fields every task of either family has. */
export interface TaskProgress {
  task_id: string;
  task_status: TaskStatus;
  updated_at?: number;
}

/** Select a task by the platform's id or by the `external_task_id` given at create. */
export type TaskSelector = { taskId: string } | { externalTaskId: string };

/**
 * Options of a wait. Each poll uses the client's per-request timeout and retries; `timeoutMs` here bounds the whole
 * wait, those retries and their backoff included.
 */
export interface WaitOptions extends Omit<RequestOptions, 'timeoutMs'> {
  /**
   * Give up after this long with a KlingWaitTimeoutError (its `cause`: the failure of a poll the deadline cut
   * short). No request is sent after it and no backoff that would outlast it is started. Default 10 minutes.
   */
  timeoutMs?: number | undefined;
  /** First poll delay; later ones grow by half up to `maxPollIntervalMs`. Default 2000 ms. */
  pollIntervalMs?: number | undefined;
  /** Default 15 000 ms. */
  maxPollIntervalMs?: number | undefined;
  /** Called with each task state (status or `updated_at`) that differs from the last one seen. */
  onProgress?: ((task: TaskProgress) => void) | undefined;
}

export interface GenerateResult<F extends TaskFamily> {
  task: TaskOf<F>;
  /** The result images: `series_images` for an Omni series, `images` otherwise. */
  images: TaskResultImage[];
}

export interface TaskWorkflows {
  /**
   * Creates a task, idempotently: an `external_task_id` is assigned when the request has none, and after an
   * ambiguous failure (no answer, or 5xx) the task is looked up by that id before anything is sent again,
   * so one call never makes two tasks. Give your own `external_task_id` (an order id, say, kept before the
   * call) and a create is idempotent across processes too: after a crash, `get(family, { externalTaskId })`
   * finds the task if the lost create made one (a 1203 KlingApiError if not: create again), then `wait`.
   */
  create<F extends TaskFamily>(
    family: F,
    request: CreateRequestOf<F>,
    options?: RequestOptions,
  ): Promise<CreatedTask>;
  /** One task by id or external id; tolerates `data` as an object or a one-element array. */
  get<F extends TaskFamily>(
    family: F,
    selector: TaskSelector | string,
    options?: RequestOptions,
  ): Promise<TaskOf<F>>;
  /** Polls until the task succeeds or fails; never forever. Resolves with the ended task, failed or not. */
  wait<F extends TaskFamily>(
    family: F,
    selector: TaskSelector | string,
    options?: WaitOptions,
  ): Promise<TaskOf<F>>;
  /** create + wait; rejects with KlingTaskFailedError when the task fails. */
  generate<F extends TaskFamily>(
    family: F,
    request: CreateRequestOf<F>,
    options?: WaitOptions,
  ): Promise<GenerateResult<F>>;
}

export function createTaskWorkflows(transport: Transport): TaskWorkflows {
  const { clock } = transport;
  const lookUp = async (
    family: TaskFamily,
    selector: TaskSelector | string,
    options?: RequestOptions,
  ): Promise<TaskOf<TaskFamily>> => {
    const target = typeof selector === 'string' ? { taskId: selector } : selector;
    const byId = 'taskId' in target;
    const result = await transport.send(
      'GET',
      `${FAMILY_PATHS[family]}${byId ? '/{id}' : ''}`,
      {
        params: byId
          ? { path: { id: target.taskId } }
          : { query: { external_task_id: target.externalTaskId } },
      },
      options,
    );
    // `data` as an object or a one-element array: the task either way.
    const task = [(result.data as { data?: unknown }).data].flat()[0];
    if (!task) {
      throw new KlingApiError({ httpStatus: 404, code: 1203, message: 'task not found' });
    }
    // The task as the platform sent it; the family's task type is what that endpoint returns.
    return task as TaskOf<TaskFamily>;
  };

  const workflows: TaskWorkflows = {
    async create(family, request, options) {
      const externalTaskId = request.external_task_id ?? `klingkit-${crypto.randomUUID()}`;
      const body = { ...request, external_task_id: externalTaskId };
      const result = await transport.send('POST', FAMILY_PATHS[family], { body }, options, () =>
        lookUp(family, { externalTaskId }, options).catch((error: unknown) => {
          // No task has that id: the ambiguous attempt made nothing, so the create may be sent again.
          if (error instanceof KlingApiError && error.code === 1203) return undefined;
          throw error;
        }),
      );
      // An answer carries the created task in its envelope; a recovery is the task found by its external id.
      return 'response' in result ? (result.data as { data: CreatedTask }).data : (result as CreatedTask);
    },

    get: lookUp as TaskWorkflows['get'],

    async wait(family, selector, options = {}) {
      // The rest, without the wait's own `timeoutMs`, leaves each poll the client's per-request timeout (and the
      // deadline below cuts it short).
      let {
        timeoutMs = 600_000,
        pollIntervalMs: interval = 2000,
        maxPollIntervalMs = 15_000,
        ...poll
      }: WaitOptions & { deadline?: CallDeadline } = options;
      let last: TaskProgress | undefined;
      // Every poll, its retries and their backoff included, ends by the wait's deadline.
      const deadline: CallDeadline = {
        at: clock.now() + timeoutMs,
        expire: (cause) =>
          new KlingWaitTimeoutError(
            family,
            // Before any answer: the id the caller gave, a string or the one field of a selector.
            last?.task_id ?? Object(selector).taskId ?? Object(selector).externalTaskId ?? selector,
            timeoutMs,
            last?.task_status,
            cause,
          ),
      };
      poll.deadline = deadline;
      for (;;) {
        const task = await lookUp(family, selector, poll);
        if (last?.task_status !== task.task_status || last?.updated_at !== task.updated_at)
          options.onProgress?.(task);
        last = task;
        if (task.task_status === 'succeed' || task.task_status === 'failed')
          return task as TaskOf<typeof family>;
        // Past the deadline, the next poll rejects before sending anything.
        await clock.sleep(
          Math.min(deadline.at - clock.now(), interval * (0.8 + Math.random() * 0.4)),
          options.signal,
        );
        interval = Math.min(maxPollIntervalMs, interval * 1.5);
      }
    },

    async generate(family, request, options = {}) {
      const created = await workflows.create(family, request, { ...options, timeoutMs: undefined });
      const task = await workflows.wait(family, created.task_id, options);
      if (task.task_status === 'failed') throw new KlingTaskFailedError(family, task);
      const result = task.task_result as
        | { images?: TaskResultImage[]; series_images?: TaskResultImage[] }
        | undefined;
      const images = result?.series_images?.length ? result.series_images : (result?.images ?? []);
      return { task, images };
    },
  };
  return workflows;
}
