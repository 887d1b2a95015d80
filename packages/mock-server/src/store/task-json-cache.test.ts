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

  it('keeps at most its limit, dropping the least recently read', () => {
    const cache = createTaskJsonCache(3);
    const tasks = ['1', '2', '3', '4', '5'].map(record);
    for (const task of tasks) cache.get(task, 'http://a');
    expect(cache.size).toBe(3);
    // The dropped entry is rebuilt, not lost.
    expect(JSON.parse(cache.get(tasks[0] as TaskRecord, 'http://a')).task_id).toBe('1');
  });

  it('keeps a task a client polls, however many others are serialized meanwhile', () => {
    const cache = createTaskJsonCache(2);
    const [polled, other, third] = ['1', '2', '3'].map(record) as [TaskRecord, TaskRecord, TaskRecord];
    cache.get(polled, 'http://a');
    cache.get(other, 'http://a');
    cache.get(polled, 'http://a');
    cache.get(third, 'http://a');
    // Nothing of a record but its status and updated_at changes after create: an external id changed behind
    // the cache's back shows whether an answer came from the cache (the old id) or was built again.
    for (const task of [polled, other]) task.externalTaskId = 'changed';
    expect(JSON.parse(cache.get(polled, 'http://a')).task_info.external_task_id).toBe('');
    expect(JSON.parse(cache.get(other, 'http://a')).task_info.external_task_id).toBe('changed');
    expect(cache.size).toBe(2);
  });
});
