import { describe, expect, it } from 'vitest';
import { KlingCallbackError, parseCallback } from './parse-callback.js';

const generationsTask = {
  task_id: '867283741759111202',
  task_status: 'succeed',
  task_status_msg: '',
  task_info: { external_task_id: 'order-1' },
  created_at: 1722769557708,
  updated_at: 1722769583215,
  task_result: { images: [{ index: 0, url: 'https://cdn.example/0.png' }] },
};
const omniTask = {
  ...generationsTask,
  task_result: { result_type: 'series', series_images: [{ index: 0, url: 'https://cdn.example/s0.png' }] },
};

describe('parseCallback', () => {
  it('accepts the bare task object as an object, a JSON string or bytes', () => {
    const text = JSON.stringify(generationsTask);
    for (const body of [generationsTask, text, new TextEncoder().encode(text)]) {
      expect(parseCallback(body)).toEqual({ family: 'generations', task: generationsTask });
    }
  });

  it('accepts the enveloped form seen in some write-ups, and recognises Omni-Image tasks', () => {
    const enveloped = { code: 0, message: 'SUCCEED', request_id: 'r', data: omniTask };
    expect(parseCallback(enveloped)).toEqual({ family: 'omni', task: omniTask });
    expect(parseCallback(generationsTask, { family: 'omni' }).family).toBe('omni');
  });

  it.each([
    ['not JSON', '{"task_id":', 'Callback body is not JSON'],
    ['an array', [generationsTask], 'must be a JSON object; got an array'],
    ['an error envelope', { code: 1203, message: 'x', data: null }, 'carries code 1203, not 0'],
    [
      'a task without task_id',
      { ...generationsTask, task_id: undefined },
      "/: must have required property 'task_id'",
    ],
    [
      'an unknown status',
      { ...generationsTask, task_status: 'done' },
      '/task_status: must be equal to one of the allowed values',
    ],
    [
      'a string timestamp',
      { ...generationsTask, created_at: '1722769557708' },
      '/created_at: must be integer',
    ],
  ])('rejects %s with a clear error', (_name, body, message) => {
    const error = (() => {
      try {
        parseCallback(body);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(KlingCallbackError);
    expect(String((error as Error).message)).toContain(message);
  });
});
