import { KlingError } from '../core/errors.js';
import type { TaskStatus } from '../generated/schema.js';
import type { TaskFamily, TaskOf } from './tasks.js';

/** A task with its family: checking `family` narrows `task` to that family's task type. */
export type FamilyTask = { [F in TaskFamily]: { readonly family: F; readonly task: TaskOf<F> } }[TaskFamily];

/** The task ended with `task_status: failed`; `reason` is the platform's `task_status_msg`. */
export type KlingTaskFailedError = KlingError &
  FamilyTask & {
    readonly name: 'KlingTaskFailedError';
    readonly taskId: string;
    readonly reason: string;
  };

/**
 * Not a generic class: after `error instanceof KlingTaskFailedError`, `error.task` is a task of either family
 * (not `any`), and `error.family === 'omni'` narrows it to an OmniImageTask.
 */
export interface KlingTaskFailedErrorConstructor {
  new <F extends TaskFamily>(family: F, task: TaskOf<F>): KlingTaskFailedError;
  readonly prototype: KlingTaskFailedError;
}

export const KlingTaskFailedError = class KlingTaskFailedError extends KlingError {
  override readonly name = 'KlingTaskFailedError';
  constructor(family: TaskFamily, task: { task_id: string; task_status_msg?: string }) {
    const reason = task.task_status_msg || 'no reason given';
    super(`Kling task ${task.task_id} failed: ${reason}`);
    // Assigned, not declared as fields: no per-field code in the browser bundle.
    Object.assign(this, { family, task, taskId: task.task_id, reason });
  }
  // The class's own type cannot say that `family` discriminates `task`; the constructor's type does.
} as unknown as KlingTaskFailedErrorConstructor;

/** `tasks.wait` gave up: the task had not ended within `timeoutMs`. It may still finish later. */
export class KlingWaitTimeoutError extends KlingError {
  override readonly name = 'KlingWaitTimeoutError';
  /** The family the task was waited for in, to resume: `kling.tasks.wait(error.family, error.taskId)`. */
  declare readonly family: TaskFamily;
  declare readonly taskId: string;
  /** The last status seen, to resume waiting or to report; undefined when no poll was answered. */
  declare readonly lastStatus: TaskStatus | undefined;
  /** `cause`: the failure of the poll the deadline cut short, if one was. */
  constructor(
    family: TaskFamily,
    taskId: string,
    timeoutMs: number,
    lastStatus: TaskStatus | undefined,
    cause?: unknown,
  ) {
    super(
      `Kling task ${taskId} did not finish within ${timeoutMs} ms (last status: ${lastStatus ?? 'unknown'}).`,
      { cause },
    );
    Object.assign(this, { family, taskId, lastStatus });
  }
}
