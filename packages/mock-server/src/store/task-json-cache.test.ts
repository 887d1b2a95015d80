import { describe, expect, it } from 'vitest';
import { taskRecord } from '../../test/fixtures/task-record.js';
import { createTaskJsonCache } from './task-json-cache.js';
import type { TaskRecord } from './task-record.js';

const record = (taskId: string) =>
  taskRecord({ taskId, createdAt: 1, processingAt: 2, endsAt: 3, updatedAt: 1 });

describe('serialized task objects', () => {
  it('follows every change of status, updated_at and origin', () => {
    const cache = createTaskJsonCache(10);
    const task = record('1');
    expect(JSON.parse(cache.get(task, 'http://a'))).toMatchObject({ task_id: '1', task_status: 'submitted' });
    Object.assign(task, { status: 'processing', updatedAt: 2 });
    expect(JSON.parse(cache.get(task, 'http://a'))).toMatchObject({
      task_status: 'processing',
      updated_at: 2,
    });
    Object.assign(task, { status: 'succeed', updatedAt: 3 });
    expect(JSON.parse(cache.get(task, 'http://a')).task_result.images[0].url).toBe(
      'http://a/__mock/images/1/0.png',
    );
    expect(JSON.parse(cache.get(task, 'http://b')).task_result.images[0].url).toBe(
      'http://b/__mock/images/1/0.png',
    );
  });

  it('keeps at most its limit, dropping the oldest', () => {
    const cache = createTaskJsonCache(3);
    const tasks = ['1', '2', '3', '4', '5'].map(record);
    for (const task of tasks) cache.get(task, 'http://a');
    expect(cache.size).toBe(3);
    // The dropped entry is rebuilt, not lost.
    expect(JSON.parse(cache.get(tasks[0] as TaskRecord, 'http://a')).task_id).toBe('1');
  });
});
