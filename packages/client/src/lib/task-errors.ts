import { KlingError } from '../core/errors.js';

interface TaskLike {
  task_id: string;
  task_status: string;
  task_status_msg?: string;
}

/** The task ended with `task_status: failed`; `reason` is the platform's `task_status_msg`. */
export class KlingTaskFailedError<Task extends TaskLike = TaskLike> extends KlingError {
  override readonly name = 'KlingTaskFailedError';
  // `declare` fields are set by Object.assign below: no per-field code in the browser bundle.
  declare readonly task: Task;
  declare readonly taskId: string;
  declare readonly reason: string;
  constructor(task: Task) {
    const reason = task.task_status_msg || 'no reason given';
    super(`Kling task ${task.task_id} failed: ${reason}`);
    Object.assign(this, { task, taskId: task.task_id, reason });
  }
}

/** `tasks.wait` (or `generate`) gave up: the task had not ended within `timeoutMs`. It may still finish later. */
export class KlingWaitTimeoutError extends KlingError {
  override readonly name = 'KlingWaitTimeoutError';
  declare readonly taskId: string;
  /** The last status seen, to resume waiting or to report. */
  declare readonly lastStatus: string | undefined;
  /** `cause`: the failure of the poll the deadline cut short, if one was. */
  constructor(taskId: string, timeoutMs: number, lastStatus: string | undefined, cause?: unknown) {
    super(
      `Kling task ${taskId} did not finish within ${timeoutMs} ms (last status: ${lastStatus ?? 'unknown'}).`,
      { cause },
    );
    Object.assign(this, { taskId, lastStatus });
  }
}
