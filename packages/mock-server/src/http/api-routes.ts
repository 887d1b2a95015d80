import type { MockContext } from '../mock-context.js';
import { requestFields, type TaskFamily, type TaskRecord, toCreatedTask } from '../store/task-record.js';
import type { MockRequest, MockResponse } from './mock-request.js';

const FAMILY_BY_SEGMENT: Record<string, TaskFamily> = { generations: 'generations', 'omni-image': 'omni' };

/** The six operations of the spec, for one authenticated account; only a create waits (for its body). */
export function handleApi(
  context: MockContext,
  request: MockRequest,
  account: string,
): MockResponse | Promise<MockResponse> {
  const match = /^\/v1\/images\/(generations|omni-image)(?:\/([^/]+))?$/.exec(request.path);
  const family = match ? FAMILY_BY_SEGMENT[match[1] as string] : undefined;
  if (!match || !family) return context.fail(1203, `Resource not found: ${request.path}`);
  const id = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
  if (id === undefined && request.method === 'POST') return createTask(context, request, account, family);
  if (request.method === 'GET')
    return id === undefined
      ? listTasks(context, request, account, family)
      : getTask(context, request, account, family, id);
  return context.fail(1202, `Invalid request method: ${request.method} ${request.path}`);
}

async function createTask(
  context: MockContext,
  request: MockRequest,
  account: string,
  family: TaskFamily,
): Promise<MockResponse> {
  const contentType = request.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(contentType)) {
    return context.fail(
      1200,
      `Invalid request: Content-Type must be application/json; got ${JSON.stringify(contentType || '(none)')}`,
    );
  }
  const raw = await request.body();
  if (raw === undefined) {
    return context.fail(
      1200,
      `Invalid request: body exceeds the mock's limit of ${context.options.maxBodyBytes} bytes`,
      413,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return context.fail(1200, `Invalid request: body is not valid JSON (${(error as Error).message})`);
  }
  const invalid = context.validator.checkCreate(family, body);
  if (invalid) return context.fail(invalid.code, invalid.message);

  const fields = body as Record<string, unknown>;
  const externalTaskId = typeof fields.external_task_id === 'string' ? fields.external_task_id : '';
  if (externalTaskId) {
    const existing = context.store.getByExternalId(account, externalTaskId);
    if (existing) {
      return context.fail(
        1201,
        `Invalid parameter external_task_id: ${JSON.stringify(externalTaskId)} is already used by task ${existing.taskId}; it must be unique per account`,
      );
    }
  }
  const callbackUrl = typeof fields.callback_url === 'string' ? fields.callback_url : undefined;
  const refused =
    callbackUrl === undefined ? undefined : context.callbacks.refuse(callbackUrl, request.origin);
  if (refused) return context.fail(1201, `Invalid parameter callback_url: ${refused}`);
  const shape = requestFields(context.validator.withDefaults(family, fields));
  const { prompt, imageCount } = shape;
  if (context.outcomes.refusesPrompt(prompt)) {
    return context.fail(1301, 'Content security policy triggered: the prompt may contain sensitive content');
  }

  // A running task is never forgotten, so a store full of them cannot take one more: refuse like the
  // platform's own capacity answer (retry with backoff, nothing was created) rather than outgrow maxTasks.
  if (!context.store.hasRoom()) {
    return context.fail(
      1303,
      `parallel task over resource pack limit: the mock holds its maximum of ${context.store.limit} tasks (maxTasks) and none has ended yet; retry once tasks end`,
    );
  }
  const refusal = context.limits.reserve(account, imageCount);
  if (refusal) return context.fail(refusal.code, refusal.message);

  const now = context.clock.now();
  const timings = context.timings;
  const processingAt = now + timings.processingAfterMs;
  const record: TaskRecord = {
    family,
    account,
    taskId: context.nextTaskId(),
    externalTaskId,
    ...shape,
    callbackUrl,
    origin: context.originFor(request),
    createdAt: now,
    processingAt,
    endsAt: processingAt + timings.processingMs + timings.perImageMs * (imageCount - 1),
    outcome: context.outcomes.planned(prompt),
    status: 'submitted',
    updatedAt: now,
    units: imageCount,
  };
  context.store.add(record);
  context.lifecycle.start(record);
  context.notify(record);
  return context.succeed(toCreatedTask(record));
}

function getTask(
  context: MockContext,
  request: MockRequest,
  account: string,
  family: TaskFamily,
  id: string,
) {
  // Second reading of the docs: an id that is no task_id of the account is tried as an external_task_id.
  const record = context.store.get(account, id) ?? context.store.getByExternalId(account, id);
  if (!record || record.family !== family) return context.fail(1203, `Task not found: ${id}`);
  return context.succeedWithTasks(record, request);
}

function listTasks(context: MockContext, request: MockRequest, account: string, family: TaskFamily) {
  const query = context.validator.parseListQuery(request.query);
  if ('code' in query) return context.fail(query.code, query.message);
  if (query.externalTaskId !== undefined) {
    const record = context.store.getByExternalId(account, query.externalTaskId);
    if (!record || record.family !== family)
      return context.fail(1203, `Task not found: external_task_id ${query.externalTaskId}`);
    return context.succeedWithTasks([record], request);
  }
  const page = context.store.list(account, family, query.pageNum, query.pageSize);
  return context.succeedWithTasks(page, request);
}
