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

const time = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());

export function formatTaskLine(task: ShownTask): string {
  const count = (task.task_result?.images?.length ?? 0) + (task.task_result?.series_images?.length ?? 0);
  return `${task.task_id}  ${task.task_status.padEnd(10)}  ${time(task.created_at)}  ${count} image(s)`;
}

export function formatTask(task: ShownTask): string {
  const lines = [
    `task        ${task.task_id}`,
    `status      ${task.task_status}${task.task_status_msg ? ` (${task.task_status_msg})` : ''}`,
    `external id ${task.task_info?.external_task_id ?? '-'}`,
    `created     ${time(task.created_at)}`,
    `updated     ${time(task.updated_at)}`,
  ];
  for (const image of [...(task.task_result?.images ?? []), ...(task.task_result?.series_images ?? [])]) {
    lines.push(`image #${image.index ?? '?'}    ${image.url ?? '-'}`);
  }
  return lines.join('\n');
}
