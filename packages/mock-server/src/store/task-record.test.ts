import { describe, expect, it } from 'vitest';
import { taskRecord } from '../../test/fixtures/task-record.js';
import { createdTaskJson, toCreatedTask } from './task-record.js';

describe('createdTaskJson', () => {
  it.each([
    { taskId: '176000000000000001', externalTaskId: '' },
    { taskId: '1', externalTaskId: 'order-"42"\\\n\u2028\u0000 ü 🦊', status: 'processing' as const },
    {
      taskId: 'seed "x"',
      externalTaskId: '</script>',
      status: 'failed' as const,
      createdAt: 1,
      updatedAt: 2,
    },
  ])('is toCreatedTask as JSON, any id escaped ($taskId)', (fields) => {
    const record = taskRecord({ createdAt: 1_764_000_000_000, updatedAt: 1_764_000_000_123, ...fields });
    expect(JSON.parse(createdTaskJson(record))).toEqual(toCreatedTask(record));
  });
});
