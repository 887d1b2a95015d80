import type { MockContext } from '../mock-context.js';
import { createdTaskJson, type TaskFamily, type TaskRecord } from '../store/task-record.js';
import type { ApiCall } from './api-call.js';
import type { MockRequest, MockResponse } from './mock-request.js';

/**
 * The six operations of the spec, for the call's authenticated account; only a create waits (for its body).
 * The route was matched once, into the call (see `api-call.ts`); the routes write back what the journal
 * shows: a create's parsed body, a list's query, the task a request was about.
 */
export function handleApi(
  context: MockContext,
  request: MockRequest,
  call: ApiCall,
): MockResponse | Promise<MockResponse> {
  const { family, kind } = call;
  const account = call.account as string;
  if (!family) return context.fail(1203, `Resource not found: ${request.path}`);
  if (kind === 'create') return createTask(context, request, call, account, family);
  if (kind === 'list') return listTasks(context, request, call, account, family);
  if (kind === 'get') return getTask(context, request, call, account, family, call.taskId as string);
  return context.fail(1202, `Invalid request method: ${request.method} ${request.path}`);
}

async function createTask(
  context: MockContext,
  request: MockRequest,
  call: ApiCall,
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
  call.body = body;
  call.bodyBytes = raw.length;
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
  const shape = context.validator.fields(family, fields);
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
    // Field by field, not spread: every record gets the same hidden class, and no copy is made.
    prompt,
    aspectRatio: shape.aspectRatio,
    resolution: shape.resolution,
    resultType: shape.resultType,
    imageCount,
    watermark: shape.watermark,
    callbackUrl,
    origin: context.originFor(request),
    createdAt: now,
    processingAt,
    endsAt: processingAt + timings.processingMs + timings.perImageMs * (imageCount - 1),
    outcome: context.outcomes.planned(prompt, call.directives?.outcome),
    status: 'submitted',
    updatedAt: now,
    units: imageCount,
  };
  context.store.add(record);
  call.taskId = record.taskId;
  context.lifecycle.start(record);
  context.notify(record);
  return context.succeedWithJson(createdTaskJson(record));
}

function getTask(
  context: MockContext,
  request: MockRequest,
  call: ApiCall,
  account: string,
  family: TaskFamily,
  id: string,
) {
  // Second reading of the docs: an id that is no task_id of the account is tried as an external_task_id.
  const record = context.store.get(account, id) ?? context.store.getByExternalId(account, id);
  if (!record || record.family !== family) return context.fail(1203, `Task not found: ${id}`);
  call.taskId = record.taskId;
  return context.succeedWithTasks(record, request);
}

function listTasks(
  context: MockContext,
  request: MockRequest,
  call: ApiCall,
  account: string,
  family: TaskFamily,
) {
  call.query = request.query;
  const query = context.validator.parseListQuery(call.query);
  if ('code' in query) return context.fail(query.code, query.message);
  if (query.externalTaskId !== undefined) {
    const record = context.store.getByExternalId(account, query.externalTaskId);
    if (!record || record.family !== family)
      return context.fail(1203, `Task not found: external_task_id ${query.externalTaskId}`);
    call.taskId = record.taskId;
    return context.succeedWithTasks([record], request);
  }
  const page = context.store.list(account, family, query.pageNum, query.pageSize);
  return context.succeedWithTasks(page, request);
}
