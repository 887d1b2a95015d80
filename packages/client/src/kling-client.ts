import { type BaseClient, createBaseClient, type KlingClientOptions } from './core/client.js';
import { type ListOptions, listTasks, type TaskList } from './lib/pagination.js';
import { createTaskWorkflows, type TaskFamily, type TaskWorkflows } from './lib/tasks.js';

export interface KlingClient extends BaseClient {
  /** Task workflows for both families: create (idempotent), get, wait, generate, list. */
  readonly tasks: TaskWorkflows & {
    list<F extends TaskFamily>(family: F, options?: ListOptions): TaskList<F>;
  };
}

/** A typed client for the Kling image API: the six operations as typed verbs, plus task workflows. */
export function createKlingClient(options: KlingClientOptions): KlingClient {
  const base = createBaseClient(options);
  const workflows = createTaskWorkflows(base.transport);
  return {
    ...base,
    tasks: { ...workflows, list: (family, listOptions) => listTasks(base.transport, family, listOptions) },
  };
}
