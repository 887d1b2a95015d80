import { describe, expect, it } from 'vitest';
import { taskRecord } from '../../test/fixtures/task-record.js';
import type { TaskRecord } from './task-record.js';
import { createTaskStore } from './task-store.js';

const record = (taskId: string, status: TaskRecord['status'] = 'succeed', account = 'a') =>
  taskRecord({ taskId, status, account, externalTaskId: `ext-${taskId}`, createdAt: Number(taskId) });
const ids = (records: TaskRecord[]) => records.map((task) => task.taskId);

describe('the task store at its bound', () => {
  it('forgets the oldest ended tasks, never a running one, and lists only what it holds', () => {
    const store = createTaskStore(4);
    store.add(record('1', 'processing'));
    for (const id of ['2', '3', '4', '5', '6', '7']) store.add(record(id));
    expect(store.size).toBe(4);
    expect(ids(store.list('a', 'generations', 1, 10))).toEqual(['7', '6', '5', '1']);
    expect(store.get('a', '2')).toBeUndefined();
    expect(store.getByExternalId('a', 'ext-3')).toBeUndefined();
    expect(store.getByExternalId('a', 'ext-5')?.taskId).toBe('5');
  });

  it('pages over live tasks only, before and after its lists are compacted', () => {
    const store = createTaskStore(10);
    for (let id = 1; id <= 40; id++) {
      store.add(record(String(id)));
      const newest = Array.from({ length: Math.min(id, 10) }, (_, i) => String(id - i));
      expect(ids(store.list('a', 'generations', 1, 4))).toEqual(newest.slice(0, 4));
      expect(ids(store.list('a', 'generations', 3, 4))).toEqual(newest.slice(8, 12));
    }
  });

  it('keeps accounts apart while forgetting', () => {
    const store = createTaskStore(3);
    store.add(record('1', 'succeed', 'a'));
    store.add(record('2', 'succeed', 'b'));
    store.add(record('3', 'succeed', 'a'));
    store.add(record('4', 'succeed', 'b'));
    expect(ids(store.list('a', 'generations', 1, 10))).toEqual(['3']);
    expect(ids(store.list('b', 'generations', 1, 10))).toEqual(['4', '2']);
    expect(store.get('a', '2')).toBeUndefined();
  });

  it('merges seeded tasks by creation time, and forgets the first stored ended tasks to fit them', () => {
    const store = createTaskStore(4);
    for (const id of ['10', '20', '30']) store.add(record(id));
    store.add(record('40', 'processing'));
    store.seed([record('25'), record('5'), record('35', 'failed')]);
    expect(store.size).toBe(4);
    // The three ended tasks stored before the seed made room; the running one stays.
    expect(ids(store.list('a', 'generations', 1, 10))).toEqual(['40', '35', '25', '5']);
    expect(store.get('a', '30')).toBeUndefined();
    store.seed([record('31')]);
    expect(ids(store.list('a', 'generations', 1, 10))).toEqual(['40', '35', '31', '5']);
    expect(store.getByExternalId('a', 'ext-31')?.taskId).toBe('31');
  });
});
