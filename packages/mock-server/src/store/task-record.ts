import type { TaskFamily } from '@klingkit/client';
import type { components } from '@klingkit/client/schema';

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
 * What a record keeps of a valid create request, read with the spec's defaults filled in
 * (`validator.withDefaults`): by a create, and by a seeded task. No default is written here.
 */
export function requestFields(
  request: Record<string, unknown>,
): Pick<TaskRecord, 'prompt' | 'aspectRatio' | 'resolution' | 'resultType' | 'imageCount' | 'watermark'> {
  const resultType = request.result_type === 'series' ? 'series' : 'single';
  return {
    prompt: String(request.prompt),
    aspectRatio: String(given(request, 'aspect_ratio')),
    resolution: String(given(request, 'resolution')),
    resultType,
    imageCount: Number(given(request, resultType === 'series' ? 'series_amount' : 'n')),
    watermark: (request.watermark_info as { enabled?: unknown } | undefined)?.enabled === true,
  };
}

/** A field the request sent or the spec gave a default; only a spec that dropped the default gets here. */
function given(request: Record<string, unknown>, field: string): unknown {
  const value = request[field];
  if (value === undefined) throw new Error(`The request has no ${field}, and the spec gives it no default.`);
  return value;
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
