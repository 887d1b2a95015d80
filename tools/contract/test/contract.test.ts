import { KLING_ERROR_CODES, KlingApiError } from '@klingkit/client';
import type { DocumentedErrorCode } from '@klingkit/mock-server';
import { afterEach, describe, expect, it } from 'vitest';
import { type Rig, rig, type Transport } from './transports.js';

const rigs: Rig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.close()));
});

async function open(transport: Transport, options: Parameters<typeof rig>[1] = {}) {
  const r = await rig(transport, options);
  rigs.push(r);
  return r;
}

async function errorOf(promise: Promise<unknown>): Promise<KlingApiError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(KlingApiError);
  return error as KlingApiError;
}

const image = 'https://example.org/reference.png';

describe.each<Transport>(['in-process', 'http', 'prism proxy'])('contract through %s', (transport) => {
  it('drives all six operations, and every answer conforms to the spec', async () => {
    const { client, violations, prismProblems } = await open(transport);
    const generated = await client.tasks.generate(
      'generations',
      {
        prompt: 'a red fox',
        n: 2,
        model_name: 'kling-v1-5',
        image,
        image_reference: 'subject',
        external_task_id: 'g-1',
      },
      { pollIntervalMs: 10 },
    );
    const series = await client.tasks.generate(
      'omni',
      {
        prompt: 'storyboard with <<<image_1>>>',
        image_list: [{ image }],
        result_type: 'series',
        series_amount: 2,
        watermark_info: { enabled: true },
      },
      { pollIntervalMs: 10 },
    );
    expect(generated.images).toHaveLength(2);
    expect(series.images).toHaveLength(2);
    expect((await client.tasks.get('generations', { externalTaskId: 'g-1' })).task_id).toBe(
      generated.task.task_id,
    );
    expect((await client.tasks.get('generations', 'g-1')).task_id).toBe(generated.task.task_id);
    expect(await client.tasks.list('generations', { pageSize: 1 }).page(1)).toHaveLength(1);
    expect(await client.tasks.list('omni').page(2)).toEqual([]);
    expect(violations).toEqual([]);
    expect(prismProblems).toEqual([]);
  });

  it('answers every documented business code with the status the spec declares', async () => {
    const { mock, client, violations, prismProblems } = await open(transport);
    for (const [code, info] of Object.entries(KLING_ERROR_CODES)) {
      // The client cures 1003/1004 by re-signing and sending once more, so those must be answered twice.
      // The client's table and the mock's typed union both come from the spec's documented codes.
      mock.injectError(Number(code) as DocumentedErrorCode, code === '1003' || code === '1004' ? 2 : 1);
      const error = await errorOf(client.GET('/v1/images/omni-image', {}));
      expect({ code: error.code, status: error.httpStatus }).toEqual({
        code: Number(code),
        status: info.httpStatus,
      });
    }
    expect(violations).toEqual([]);
    expect(prismProblems).toEqual([]);
  });

  it('produces the errors real requests trigger, each conforming to the spec', async () => {
    // Tasks last a minute of mock time, so only advanceClock frees their slots (no race with real time).
    const { mock, client, violations, prismProblems } = await open(transport, {
      limits: { concurrency: 2, balance: 3 },
      timings: { processingAfterMs: 30_000, processingMs: 30_000 },
    });
    await client.tasks.create('generations', { prompt: 'one', n: 2, external_task_id: 'dup' });
    const codes = [
      (await errorOf(client.tasks.create('generations', { prompt: 'two', external_task_id: 'dup' }))).code,
      (await errorOf(client.tasks.create('generations', { prompt: 'three' }))).code,
      (await errorOf(client.tasks.create('generations', { prompt: 'x [mock:reject]' }))).code,
      (
        await errorOf(
          client.tasks.create('generations', { prompt: 'x', callback_url: 'https://hooks.example.org/k' }),
        )
      ).code,
      (await errorOf(client.tasks.get('omni', 'no-such-task'))).code,
    ];
    mock.advanceClock(120_000);
    await client.tasks.create('generations', { prompt: 'four' });
    codes.push((await errorOf(client.tasks.create('generations', { prompt: 'five' }))).code);
    expect(codes).toEqual([1201, 1303, 1301, 1201, 1203, 1102]);
    expect(violations).toEqual([]);
    expect(prismProblems).toEqual([]);
  });
});

describe('contract of errors only the mock sees directly', () => {
  it('answers unreadable requests and bad credentials with conforming envelopes', async () => {
    const { client, violations, baseUrl } = await open('http');
    const bad = await errorOf(client.POST('/v1/images/generations', { body: { prompt: 'x', n: 12 } }));
    expect(bad).toMatchObject({ httpStatus: 400, code: 1201 });
    const unauthenticated = await fetch(`${baseUrl}/v1/images/generations`);
    expect(unauthenticated.status).toBe(401);
    expect(violations).toEqual([]);
  });
});
