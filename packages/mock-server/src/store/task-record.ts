import type { TaskFamily } from '@klingkit/client';
import type { components } from '@klingkit/client/schema';
import type { RequestDefaults } from '../validation/request-defaults.js';

export type { TaskFamily };
export type TaskStatus = components['schemas']['TaskStatus'];
export type ImageGenerationTask = components['schemas']['ImageGenerationTask'];
export type OmniImageTask = components['schemas']['OmniImageTask'];
export type CreatedTask = components['schemas']['CreatedTask'];

/** Everything the mock keeps of a task: never the input images, so 100k tasks stay small. */
export interface TaskRecord {
  family: TaskFamily;
  account: string;
  taskId: string;
  externalTaskId: string;
  prompt: string;
  aspectRatio: string;
  resolution: string;
  resultType: 'single' | 'series';
  imageCount: number;
  watermark: boolean;
  callbackUrl: string | undefined;
  /** The origin the task was created through; its callbacks carry result URLs on it. */
  origin: string;
  createdAt: number;
  /** Planned transitions, in the mock clock's milliseconds. */
  processingAt: number;
  endsAt: number;
  outcome: { status: 'succeed' } | { status: 'failed'; message: string };
  /** Materialized by the lifecycle as the clock passes the planned times. */
  status: TaskStatus;
  updatedAt: number;
  units: number;
}

/**
 * What a record keeps of a valid create request: each field the body sends, else the spec's `default`
 * (`defaults`, read from the request schema by `requestDefaults`), inside an object the body sends too
 * (`watermark_info: {}`). Read field by field rather than from a merged copy of the body: a create pays for
 * no copy, and the body is left as it is. By a create, and by a seeded task. No default is written here.
 */
export function requestFields(
  body: Record<string, unknown>,
  defaults: RequestDefaults = NO_DEFAULTS,
): Pick<TaskRecord, 'prompt' | 'aspectRatio' | 'resolution' | 'resultType' | 'imageCount' | 'watermark'> {
  const resultType = given(body, defaults, 'result_type') === 'series' ? 'series' : 'single';
  return {
    prompt: String(body.prompt),
    aspectRatio: String(required(body, defaults, 'aspect_ratio')),
    resolution: String(required(body, defaults, 'resolution')),
    resultType,
    imageCount: Number(required(body, defaults, resultType === 'series' ? 'series_amount' : 'n')),
    watermark: watermarkEnabled(body, defaults) === true,
  };
}

const NO_DEFAULTS: RequestDefaults = { values: {}, nested: {} };

/** What the body sends for `field`, else the spec's default, else `undefined`. */
function given(body: Record<string, unknown>, defaults: RequestDefaults, field: string): unknown {
  const value = body[field];
  return value === undefined ? defaults.values[field] : value;
}

/** A field the request sent or the spec gave a default; only a spec that dropped the default gets here. */
function required(body: Record<string, unknown>, defaults: RequestDefaults, field: string): unknown {
  const value = given(body, defaults, field);
  if (value === undefined) throw new Error(`The request has no ${field}, and the spec gives it no default.`);
  return value;
}

/**
 * `watermark_info.enabled`: an object the body sends takes the defaults of its own fields; an object the
 * body omits is the spec's default for the whole object, if there is one.
 */
function watermarkEnabled(body: Record<string, unknown>, defaults: RequestDefaults): unknown {
  const sent = body.watermark_info;
  if (typeof sent === 'object' && sent !== null && !Array.isArray(sent)) {
    const enabled = (sent as { enabled?: unknown }).enabled;
    return enabled === undefined ? defaults.nested.watermark_info?.values.enabled : enabled;
  }
  return (given(body, defaults, 'watermark_info') as { enabled?: unknown } | undefined)?.enabled;
}

/** The task object the API returns for a record, typed by the spec's generated types. */
export function toTaskObject(record: TaskRecord, imageBaseUrl: string): ImageGenerationTask | OmniImageTask {
  const ended = record.status === 'succeed' || record.status === 'failed';
  const task: ImageGenerationTask = {
    task_id: record.taskId,
    task_status: record.status,
    task_status_msg:
      record.status === 'failed' && record.outcome.status === 'failed' ? record.outcome.message : '',
    task_info: { external_task_id: record.externalTaskId },
    watermark_info: { enabled: record.watermark },
    final_unit_deduction: String(ended && record.status === 'succeed' ? record.units : 0),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
  if (record.status !== 'succeed') return task;
  const images = Array.from({ length: record.imageCount }, (_, index) => ({
    index,
    url: `${imageBaseUrl}/__mock/images/${record.taskId}/${index}.png`,
    ...(record.watermark && {
      watermark_url: `${imageBaseUrl}/__mock/images/${record.taskId}/${index}-watermark.png`,
    }),
  }));
  if (record.family === 'generations') return { ...task, task_result: { images } };
  return {
    ...task,
    task_result:
      record.resultType === 'series'
        ? { result_type: 'series', series_images: images }
        : { result_type: 'single', images },
  };
}

export function toCreatedTask(record: TaskRecord): CreatedTask {
  return {
    task_id: record.taskId,
    task_status: record.status,
    task_info: { external_task_id: record.externalTaskId },
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/**
 * `toCreatedTask(record)` as JSON, written out rather than built and serialized: every create answers with
 * it. The strings go through `JSON.stringify`, so any id is escaped; a test holds it to `toCreatedTask`.
 */
export function createdTaskJson(record: TaskRecord): string {
  return `{"task_id":${JSON.stringify(record.taskId)},"task_status":${JSON.stringify(record.status)},"task_info":{"external_task_id":${JSON.stringify(record.externalTaskId)}},"created_at":${record.createdAt},"updated_at":${record.updatedAt}}`;
}
