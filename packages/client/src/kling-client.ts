import {
  type BaseClient,
  type ClientCore,
  type ClientDefaults,
  createClientCore,
  createTransport,
  createVerbs,
  DEFAULT_SETTINGS,
  type KlingClientOptions,
  resolveSettings,
  type Settings,
} from './core/client.js';
import { type ListOptions, listTasks, type TaskList } from './lib/pagination.js';
import { createTaskWorkflows, type TaskFamily, type TaskWorkflows } from './lib/tasks.js';

export interface KlingClient extends BaseClient {
  /** Task workflows for both families: create (idempotent), get, wait, generate, list. */
  readonly tasks: TaskWorkflows & {
    list<F extends TaskFamily>(family: F, options?: ListOptions): TaskList<F>;
  };
  /**
   * A client with other defaults (`timeoutMs`, `maxRetries`, `baseDelayMs`, `maxDelayMs`; the ones not given
   * stay this client's) that shares this one's token cache, middleware and connection settings:
   * `kling.withOptions({ maxRetries: 0 }).tasks.get(...)`. This client is unchanged.
   */
  withOptions(defaults: ClientDefaults): KlingClient;
}

/** A typed client for the Kling image API: the six operations as typed verbs, plus task workflows. */
export function createKlingClient(options: KlingClientOptions): KlingClient {
  return assemble(createClientCore(options), resolveSettings(DEFAULT_SETTINGS, options));
}

// The transport stays in this closure: nothing on the client object reaches it.
function assemble(core: ClientCore, defaults: Settings): KlingClient {
  const transport = createTransport(core, defaults);
  return {
    ...createVerbs(core, transport),
    tasks: {
      ...createTaskWorkflows(transport),
      list: (family, listOptions) => listTasks(transport, family, listOptions),
    },
    withOptions: (more) => assemble(core, resolveSettings(defaults, more)),
  };
}
