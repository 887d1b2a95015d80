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

/** What parseCallback threw, or undefined. */
function refusal(body: unknown, options?: Parameters<typeof parseCallback>[1]) {
  try {
    parseCallback(body, options);
  } catch (caught) {
    return caught as KlingCallbackError;
  }
  return undefined;
}

describe('parseCallback on hostile bodies', () => {
  const withImage = (image: object) => ({
    ...generationsTask,
    task_result: { images: [{ index: 0, url: 'https://cdn.example/0.png', ...image }] },
  });

  it.each([
    ['a task id that climbs out of a folder', { ...generationsTask, task_id: '../../../x' }, '/task_id'],
    ['a task id with a control character', { ...generationsTask, task_id: 'a\u001bb' }, '/task_id'],
    ['a javascript: URL', withImage({ url: 'javascript:alert(1)' }), '/task_result/images/0/url'],
    ['a data: URL', withImage({ url: 'data:image/png;base64,AAAA' }), '/task_result/images/0/url'],
    ['a file: watermark URL', withImage({ watermark_url: 'file:///etc/passwd' }), 'watermark_url'],
    ['a URL with an escape sequence', withImage({ url: 'https://x/\u001b[2J' }), '/task_result/images/0/url'],
    [
      '10 result images',
      { ...generationsTask, task_result: { images: Array(10).fill(generationsTask.task_result.images[0]) } },
      '/task_result/images: must NOT have more than 9 items',
    ],
    [
      'a 5,000-character status message',
      { ...generationsTask, task_status_msg: 'x'.repeat(5000) },
      'task_status_msg',
    ],
  ])('refuses %s, naming the field', (_name, body, field) => {
    const error = refusal(body);
    expect(error).toBeInstanceOf(KlingCallbackError);
    expect(error?.reason).toBe('invalid');
    expect(error?.message).toContain(field);
  });

  it('refuses keys that could reach a prototype, wherever they are, and pollutes nothing', () => {
    const text = JSON.stringify(generationsTask).replace('{', '{"__proto__":{"polluted":true},');
    const nested = { ...generationsTask, task_info: JSON.parse('{"constructor":{"prototype":{"x":1}}}') };
    for (const [body, path] of [
      [text, '/__proto__'],
      [nested, '/task_info/constructor'],
      [{ ...generationsTask, extra: [{ prototype: 1 }] }, '/extra/0/prototype'],
    ] as const) {
      const error = refusal(body);
      expect(error).toBeInstanceOf(KlingCallbackError);
      expect(error?.message).toContain(`${path}: this key could reach a prototype`);
    }
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('refuses deep nesting and huge values a framework already parsed, within its byte budget', () => {
    let deep: object = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(refusal({ ...generationsTask, extra: deep })?.message).toMatch(/nests deeper than 32 levels/);

    const bigString = refusal({ ...generationsTask, extra: 'x'.repeat(2 * 1024 * 1024) });
    expect(bigString?.reason).toBe('too-large');
    // A sparse array of a billion slots: refused at the budget, not walked to its end.
    const sparse = refusal({ ...generationsTask, extra: new Array(1e9) });
    expect(sparse?.reason).toBe('too-large');
    const manyKeys = Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`k${i}`, i]));
    expect(refusal({ ...generationsTask, extra: manyKeys })?.reason).toBe('too-large');
    // Strings and bytes over the budget are refused before they are parsed.
    expect(refusal(`${JSON.stringify(generationsTask)}${' '.repeat(100)}`, { maxBytes: 100 })?.reason).toBe(
      'too-large',
    );
    expect(refusal(new Uint8Array(101), { maxBytes: 100 })?.reason).toBe('too-large');
  });

  it('refuses what JSON cannot hold, and reads each field once, returning a plain copy', () => {
    for (const extra of [() => 1, Symbol('s'), 10n, Number.NaN, Number.POSITIVE_INFINITY, new Date(0)]) {
      expect(refusal({ ...generationsTask, extra })).toBeInstanceOf(KlingCallbackError);
    }
    let reads = 0;
    const tricky = { ...generationsTask };
    Object.defineProperty(tricky, 'task_status', {
      enumerable: true,
      get: () => (++reads === 1 ? 'succeed' : 'not-a-status'),
    });
    const parsed = parseCallback(tricky);
    expect(parsed.task.task_status).toBe('succeed');
    expect(reads).toBe(1);
    expect(Object.getOwnPropertyDescriptor(parsed.task, 'task_status')?.get).toBeUndefined();

    const throwing = { ...generationsTask };
    Object.defineProperty(throwing, 'task_id', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    expect(refusal(throwing)?.message).toContain('Callback body could not be read: Error: boom');
  });

  it('keeps its message short whatever the body: the first 5 problems, shortened, and how many more', () => {
    const images = Array.from({ length: 20_000 }, () => ({ index: -1, url: 'javascript:x' }));
    const error = refusal({ ...generationsTask, task_result: { images } });
    // Listed on each array's first 64 items: listing 40,000 errors would take seconds (quadratic in Ajv).
    expect(error?.problemCount).toBe(1 + 64 * 2);
    expect(error?.problems).toHaveLength(5);
    expect(error?.problems[0]).toBe('/task_result/images: must NOT have more than 9 items');
    expect(error?.message).toMatch(/; and \d+ more$/);
    expect(error?.message.length).toBeLessThan(1500);

    const longKey = `\u001b[31m${'k'.repeat(10_000)}`;
    const keyed = refusal({ ...generationsTask, task_result: { images: { [longKey]: 1 } } });
    expect(keyed?.problems[0]?.length).toBeLessThanOrEqual(200);
    expect(keyed?.message).not.toContain('\u001b');
    expect(refusal({ code: 'x'.repeat(100_000), data: generationsTask })?.message.length).toBeLessThan(120);
  });
});
