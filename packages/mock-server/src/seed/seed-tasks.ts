import type { components } from '@klingkit/client/schema';
import type { AccountLabels } from '../auth/account-label.js';
import type { AccountId } from '../auth/authenticator.js';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import {
  CONTROL_LIMITS,
  CONTROL_RANGES,
  checkFields,
  checkNumber,
  describeValue,
} from '../controls/control-bounds.js';
import type { Clock } from '../lifecycle/clock.js';
import type { TaskLifecycle } from '../lifecycle/task-lifecycle.js';
import type { Timings } from '../lifecycle/timings.js';
import type { AccountLimits } from '../limits/account-limits.js';
import type { Outcomes } from '../outcomes/outcomes.js';
import type { TaskFamily, TaskRecord } from '../store/task-record.js';
import type { TaskStore } from '../store/task-store.js';
import type { RequestValidator } from '../validation/request-validator.js';
import type { TaskValidator } from '../validation/task-validator.js';

type ImageGenerationTask = components['schemas']['ImageGenerationTask'];

/** The fields of the task object a seed may set; the rest follow from the request and the mock. */
export type SeedTaskFields = Partial<
  Pick<ImageGenerationTask, 'task_id' | 'task_status' | 'task_status_msg' | 'created_at' | 'updated_at'>
>;

interface SeedTaskCommon {
  /**
   * Whose task it is: an AccessKey, or `api-key:KEY` (or its masked label). Optional when the mock has one
   * account (the demo account, say).
   */
  account?: AccountId;
  /**
   * The task as the API shows it, checked against the spec's task schema. `task_status` defaults to
   * `succeed`; `task_status_msg` is for `failed` tasks; `created_at` / `updated_at` are Unix ms on the mock
   * clock, never after its now.
   */
  task?: SeedTaskFields;
  /** Created this many mock-clock ms ago (instead of `task.created_at`). Default 0: now. */
  ageMs?: number;
  /**
   * A `submitted` task starts processing this many mock-clock ms from now. Default: the timings
   * (`processingAfterMs`), as for a task created now.
   */
  processingInMs?: number;
  /**
   * A running (`submitted`, `processing`) task ends this many mock-clock ms from now. Default: the
   * timings, as for a task that starts processing now (or at `processingInMs`).
   */
  endsInMs?: number;
  /**
   * A succeeded task whose results are past the retention period: its image URLs answer 404. Without
   * `ageMs` or times it ended just over the retention period ago.
   */
  expired?: boolean;
}

/**
 * One task to start from: its create request (checked by the same validator as a create) and how far it
 * got. Typed by the spec's generated types, per family.
 */
export type SeedTask =
  | (SeedTaskCommon & {
      /** Default `generations`. */
      family?: 'generations';
      request: components['schemas']['ImageGenerationCreateRequest'];
    })
  | (SeedTaskCommon & { family: 'omni'; request: components['schemas']['OmniImageCreateRequest'] });

/** A refused seed: a RangeError whose message names the entry (`tasks[2]`) and the field, all of it. */
export class SeedError extends RangeError {
  override name = 'SeedError';
  constructor(
    message: string,
    /** The entry's index, when one entry is at fault. */
    readonly index: number | undefined,
    /** The field at fault, e.g. `tasks[2].request.n`. */
    readonly field: string,
  ) {
    super(message);
  }
}

const ENTRY_FIELDS = [
  'family',
  'account',
  'request',
  'task',
  'ageMs',
  'processingInMs',
  'endsInMs',
  'expired',
] as const;
const TASK_FIELDS = ['task_id', 'task_status', 'task_status_msg', 'created_at', 'updated_at'] as const;
const FAMILIES: readonly TaskFamily[] = ['generations', 'omni'];
const FAILED_MESSAGE = 'Task failed (seeded by the mock controls)';
/** How many accounts an "is not an account" error lists. */
const LISTED_ACCOUNTS = 10;

/** The parts seeding reads and fills; createMockServer builds them. */
export interface SeedParts {
  clock: Clock;
  timings(): Timings;
  retentionMs: number;
  /** Every account the mock knows: AccessKeys and `api-key:KEY`. */
  accounts: readonly AccountId[];
  labels: AccountLabels;
  validator: Pick<RequestValidator, 'checkCreate' | 'fields'>;
  store: TaskStore;
  lifecycle: TaskLifecycle;
  limits: AccountLimits;
  callbacks: Pick<CallbackDispatcher, 'refuse'>;
  outcomes: Pick<Outcomes, 'seeded'>;
  nextTaskId(): string;
  /** The origin seeded tasks keep for their callbacks and the controls' view: publicUrl or the listen URL. */
  origin(): string;
}

let taskValidator: Promise<TaskValidator> | undefined;
/** The task schemas are compiled on the first seed in a process, never at start-up. */
function loadTaskValidator(): Promise<TaskValidator> {
  taskValidator ??= import('../validation/task-validator.js').then((module) => module.createTaskValidator());
  return taskValidator;
}

/**
 * Seeded state: tasks in any status, of any account, with ages, external ids and results, added all at
 * once or not at all. They behave like created tasks afterwards (queries, lists newest first, results,
 * retention); a running one holds concurrency slots and units like a create, moves on with the mock clock
 * and calls its `callback_url` on later changes, but the seeded state itself is never called back.
 */
export function createSeeder(parts: SeedParts) {
  return {
    async seed(entries: unknown): Promise<TaskRecord[]> {
      const checkTask = await loadTaskValidator();
      // From here on nothing waits: the checks and the commit see one state of the store.
      if (!Array.isArray(entries))
        throw new SeedError(
          `tasks must be an array of seed entries; got ${describeValue(entries)}`,
          undefined,
          'tasks',
        );
      if (entries.length > CONTROL_LIMITS.seedTasks)
        throw new SeedError(
          `tasks may hold at most ${CONTROL_LIMITS.seedTasks} entries per seed; got ${entries.length}`,
          undefined,
          'tasks',
        );
      parts.lifecycle.tick();
      const batch: Batch = { now: parts.clock.now(), taskIds: new Map(), externalIds: new Map() };
      const records = entries.map((entry, index) => planEntry(parts, checkTask, batch, entry, index));
      const running = records.filter((record) => !isEnded(record));
      const stillRunning = parts.store.all().filter((record) => !isEnded(record)).length;
      if (stillRunning + records.length > parts.store.limit) {
        throw new SeedError(
          `tasks: ${records.length} tasks do not fit: the mock holds at most ${parts.store.limit} (maxTasks) and ${stillRunning} of its tasks still run, which are never forgotten`,
          undefined,
          'tasks',
        );
      }
      reserveSlots(parts, records, running);
      parts.store.seed(records);
      for (const record of running) parts.lifecycle.start(record);
      return records;
    },
  };
}

export type Seeder = ReturnType<typeof createSeeder>;

interface Batch {
  now: number;
  /** Task ids and external ids (by account) of this seed's entries so far, with their index. */
  taskIds: Map<string, number>;
  externalIds: Map<string, number>;
}

const isEnded = (record: TaskRecord) => record.status === 'succeed' || record.status === 'failed';

/** A running seeded task takes its slots and units as a create would; a refusal undoes the others. */
function reserveSlots(parts: SeedParts, records: TaskRecord[], running: TaskRecord[]) {
  const reserved: TaskRecord[] = [];
  for (const record of running) {
    const refusal = parts.limits.reserve(record.account, record.imageCount);
    if (refusal) {
      // A release of a failed task gives back exactly what reserve took (slots, and units under a balance).
      for (const done of reserved) parts.limits.release(done.account, done.imageCount, true);
      const index = records.indexOf(record);
      throw new SeedError(`tasks[${index}]: ${refusal.message}`, index, `tasks[${index}]`);
    }
    reserved.push(record);
  }
}

/** One entry checked and turned into the record it seeds; a SeedError naming the field otherwise. */
function planEntry(
  parts: SeedParts,
  checkTask: TaskValidator,
  batch: Batch,
  entry: unknown,
  index: number,
): TaskRecord {
  const at = `tasks[${index}]`;
  const refuse = (field: string, message: string): never => {
    throw new SeedError(`${at}.${field} ${message}`, index, `${at}.${field}`);
  };
  /** Runs a range check of control-bounds, turning its RangeError into a SeedError naming `field`. */
  const checked = <T>(field: string, check: () => T): T => {
    try {
      return check();
    } catch (error) {
      if (error instanceof RangeError) throw new SeedError(error.message, index, field);
      throw error;
    }
  };

  const fields = checked(at, () => checkFields(at, entry, ENTRY_FIELDS));
  const family = (fields.family ?? 'generations') as TaskFamily;
  if (!FAMILIES.includes(family))
    refuse('family', `must be one of ${FAMILIES.join(', ')}; got ${describeValue(fields.family)}`);
  const account = accountOf(parts, fields.account, (message) => refuse('account', message));

  const request = fields.request;
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    refuse('request', `must be an object: the body of the create request; got ${describeValue(request)}`);
  const invalid = parts.validator.checkCreate(family, request);
  if (invalid) {
    // The create's own message, which names the field too: `Invalid parameter n: must be from 1 to 9; got 12`.
    const field = `${at}.request.${invalid.field}`;
    throw new SeedError(`${field}: ${invalid.message}`, index, field);
  }
  const body = request as Record<string, unknown>;

  const task = checked(`${at}.task`, () =>
    checkFields(`${at}.task`, fields.task ?? {}, TASK_FIELDS),
  ) as SeedTaskFields;
  // The spec's task schema needs the fields every task object has; stand-ins fill those the seed leaves out.
  const problem = checkTask(family, {
    task_id: '0',
    task_status: 'succeed',
    created_at: 0,
    updated_at: 0,
    ...task,
  });
  if (problem) refuse(`task.${problem.field}`, problem.message);
  const span = (name: 'ageMs' | 'processingInMs' | 'endsInMs') =>
    fields[name] === undefined
      ? undefined
      : checked(`${at}.${name}`, () => checkNumber(`${at}.${name}`, fields[name], CONTROL_RANGES.seedSpanMs));
  const ageMs = span('ageMs');
  const processingInMs = span('processingInMs');
  const endsInMs = span('endsInMs');
  if (fields.expired !== undefined && typeof fields.expired !== 'boolean')
    refuse('expired', `must be true or false; got ${describeValue(fields.expired)}`);
  const expired = fields.expired === true;

  const status = task.task_status ?? 'succeed';
  const running = status === 'submitted' || status === 'processing';
  if (expired && status !== 'succeed')
    refuse(
      'expired',
      `applies only to succeeded tasks (task.task_status succeed); got task_status ${status}`,
    );
  if (task.task_status_msg && status !== 'failed')
    refuse(
      'task.task_status_msg',
      `is for failed tasks only (the API leaves it empty otherwise); task_status is ${status}`,
    );
  if (endsInMs !== undefined && !running)
    refuse(
      'endsInMs',
      `applies only to running tasks (task_status submitted or processing); task_status is ${status}`,
    );
  if (processingInMs !== undefined && status !== 'submitted')
    refuse('processingInMs', `applies only to submitted tasks; task_status is ${status}`);
  if (processingInMs !== undefined && endsInMs !== undefined && endsInMs < processingInMs)
    refuse('endsInMs', `must not come before processingInMs (${processingInMs}); got ${endsInMs}`);
  if (ageMs !== undefined && task.created_at !== undefined)
    refuse('ageMs', 'and task.created_at both give the creation time; give one of them');

  const shape = parts.validator.fields(family, body);
  const times = planTimes(parts, batch.now, {
    status,
    imageCount: shape.imageCount,
    createdAt: task.created_at ?? (ageMs === undefined ? undefined : batch.now - ageMs),
    updatedAt: task.updated_at,
    processingInMs,
    endsInMs,
    expired,
  });
  if ('problem' in times) return refuse(times.problem.field, times.problem.message);

  const externalTaskId = typeof body.external_task_id === 'string' ? body.external_task_id : '';
  if (externalTaskId) {
    const key = `${account}\u0000${externalTaskId}`;
    const stored = parts.store.getByExternalId(account, externalTaskId);
    const earlier = batch.externalIds.get(key);
    if (stored || earlier !== undefined)
      refuse(
        'request.external_task_id',
        `${JSON.stringify(externalTaskId)} is already used by ${stored ? `task ${stored.taskId}` : `tasks[${earlier}]`} of this account; it must be unique per account`,
      );
    batch.externalIds.set(key, index);
  }
  let taskId = task.task_id;
  if (taskId !== undefined) {
    const earlier = batch.taskIds.get(taskId);
    if (parts.store.getAny(taskId) || earlier !== undefined)
      refuse(
        'task.task_id',
        `${JSON.stringify(taskId)} is already the id of ${earlier === undefined ? 'a stored task' : `tasks[${earlier}]`}; task ids are unique`,
      );
  } else {
    taskId = parts.nextTaskId();
    while (parts.store.getAny(taskId) || batch.taskIds.has(taskId)) taskId = parts.nextTaskId();
  }
  batch.taskIds.set(taskId, index);

  const origin = parts.origin();
  // Ended tasks never call back; a running one does on its later changes, so its target is checked now.
  const callbackUrl = running && typeof body.callback_url === 'string' ? body.callback_url : undefined;
  const refused = callbackUrl === undefined ? undefined : parts.callbacks.refuse(callbackUrl, origin);
  if (refused) refuse('request.callback_url', refused);

  return {
    family,
    account,
    taskId,
    externalTaskId,
    ...shape,
    callbackUrl,
    origin,
    ...times,
    outcome:
      status === 'failed'
        ? { status: 'failed', message: task.task_status_msg ?? FAILED_MESSAGE }
        : status === 'succeed'
          ? { status: 'succeed' }
          : parts.outcomes.seeded(shape.prompt),
    status,
    units: shape.imageCount,
  };
}

/** The account an entry names (an id or its label), or the only account when it names none. */
function accountOf(parts: SeedParts, given: unknown, refuse: (message: string) => never): AccountId {
  const listed = () =>
    `${parts.accounts.slice(0, LISTED_ACCOUNTS).map(parts.labels.labelOf).join(', ')}${
      parts.accounts.length > LISTED_ACCOUNTS ? ` and ${parts.accounts.length - LISTED_ACCOUNTS} more` : ''
    }`;
  if (given === undefined) {
    if (parts.accounts.length === 1) return parts.accounts[0] as AccountId;
    return refuse(`is needed: the mock has ${parts.accounts.length} accounts (${listed()})`);
  }
  if (typeof given !== 'string')
    return refuse(`must be an AccessKey or api-key:KEY; got ${describeValue(given)}`);
  const found = parts.accounts.find((account) => parts.labels.matches(account, given));
  // Shown by its label only: a mistyped API key is still a secret.
  return (
    found ?? refuse(`${parts.labels.labelOf(given)} is not an account of this mock (accounts: ${listed()})`)
  );
}

interface Times {
  createdAt: number;
  processingAt: number;
  endsAt: number;
  updatedAt: number;
}

/**
 * When the task was created, started processing, ended (or will) and last changed, on the mock clock; or
 * the field whose time cannot be, and why. A running task goes on from now, with the timings.
 */
function planTimes(
  parts: SeedParts,
  now: number,
  given: {
    status: ImageGenerationTask['task_status'];
    imageCount: number;
    createdAt: number | undefined;
    updatedAt: number | undefined;
    processingInMs: number | undefined;
    endsInMs: number | undefined;
    expired: boolean;
  },
): Times | { problem: { field: string; message: string } } {
  const timings = parts.timings();
  const work = timings.processingMs + timings.perImageMs * (given.imageCount - 1);
  const duration = timings.processingAfterMs + work;
  let { createdAt, updatedAt } = given;
  let processingAt: number;
  let endsAt: number;
  switch (given.status) {
    case 'submitted':
      createdAt ??= now;
      updatedAt ??= createdAt;
      processingAt = now + (given.processingInMs ?? timings.processingAfterMs);
      endsAt = given.endsInMs === undefined ? processingAt + work : now + given.endsInMs;
      processingAt = Math.min(processingAt, endsAt);
      break;
    case 'processing':
      createdAt ??= now;
      updatedAt ??= Math.min(now, createdAt + timings.processingAfterMs);
      processingAt = updatedAt;
      endsAt = now + (given.endsInMs ?? work);
      break;
    default:
      updatedAt ??=
        createdAt !== undefined
          ? Math.min(now, createdAt + duration)
          : given.expired
            ? now - parts.retentionMs - 1
            : now;
      createdAt ??= Math.max(0, updatedAt - duration);
      processingAt = Math.min(updatedAt, createdAt + timings.processingAfterMs);
      endsAt = updatedAt;
  }
  const problem = (field: string, message: string) => ({ problem: { field, message } });
  if (!(createdAt >= 0 && createdAt <= now))
    return problem(
      given.createdAt === undefined ? 'expired' : 'task.created_at',
      `must be a Unix time in ms from 0 to the mock clock's now (${now}): seeded tasks are created in the past; got created_at ${createdAt}`,
    );
  if (updatedAt < createdAt || updatedAt > now)
    return problem(
      'task.updated_at',
      `must be from the task's created_at (${createdAt}) to the mock clock's now (${now}); got ${updatedAt}`,
    );
  if (given.expired && now - updatedAt <= parts.retentionMs)
    return problem(
      'expired',
      `needs the task to have ended more than the retention period (${parts.retentionMs} ms) ago; it ended at ${updatedAt}, ${now - updatedAt} ms before now. Make it older (ageMs, task.updated_at) or leave out expired`,
    );
  return { createdAt, processingAt, endsAt, updatedAt };
}
