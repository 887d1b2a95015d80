import { printable, safe } from './printable.js';

interface ShownTask {
  task_id: string;
  task_status: string;
  task_status_msg?: string;
  created_at?: number;
  updated_at?: number;
  task_info?: { external_task_id?: string };
  task_result?: {
    images?: { index?: number; url?: string }[];
    series_images?: { index?: number; url?: string }[];
  };
}

// A hostile server may send a timestamp no Date can hold; toISOString would throw on it.
const time = (ms: number | undefined) => {
  const date = new Date(ms ?? Number.NaN);
  return Number.isNaN(date.getTime()) ? printable(ms ?? '-') : date.toISOString();
};

// Every field is server text, so every field goes through `printable` (or the `safe` tag).

export function formatTaskLine(task: ShownTask): string {
  const count = (task.task_result?.images?.length ?? 0) + (task.task_result?.series_images?.length ?? 0);
  return `${printable(task.task_id)}  ${printable(task.task_status).padEnd(10)}  ${time(task.created_at)}  ${count} image(s)`;
}

export function formatTask(task: ShownTask): string {
  const lines = [
    safe`task        ${task.task_id}`,
    safe`status      ${task.task_status}` + (task.task_status_msg ? safe` (${task.task_status_msg})` : ''),
    safe`external id ${task.task_info?.external_task_id ?? '-'}`,
    `created     ${time(task.created_at)}`,
    `updated     ${time(task.updated_at)}`,
  ];
  for (const image of [...(task.task_result?.images ?? []), ...(task.task_result?.series_images ?? [])]) {
    lines.push(safe`image #${image.index ?? '?'}    ${image.url ?? '-'}`);
  }
  return lines.join('\n');
}
