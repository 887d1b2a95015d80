import type { components } from '@klingkit/client';

export type TaskFamily = 'generations' | 'omni';
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

/** What a record keeps of a valid create request, defaults applied: by a create, and by a seeded task. */
export function requestFields(
  family: TaskFamily,
  fields: Record<string, unknown>,
): Pick<TaskRecord, 'prompt' | 'aspectRatio' | 'resolution' | 'resultType' | 'imageCount' | 'watermark'> {
  const resultType = fields.result_type === 'series' ? 'series' : 'single';
  return {
    prompt: String(fields.prompt),
    aspectRatio: String(fields.aspect_ratio ?? (family === 'omni' ? 'auto' : '16:9')),
    resolution: String(fields.resolution ?? '1k'),
    resultType,
    imageCount: resultType === 'series' ? Number(fields.series_amount ?? 4) : Number(fields.n ?? 1),
    watermark: (fields.watermark_info as { enabled?: boolean } | undefined)?.enabled === true,
  };
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
