import { describe, expectTypeOf, it } from 'vitest';
import type { paths } from '../src/generated/schema.js';
import {
  type ClientDefaults,
  createKlingClient,
  type ImageGenerationTask,
  type KlingApiError,
  type KlingClient,
  KlingTaskFailedError,
  type KlingWaitTimeoutError,
  type OmniImageTask,
  type TaskFamily,
  type TaskStatus,
  type WaitOptions,
} from '../src/index.js';
import { FAMILY_PATHS } from '../src/lib/tasks.js';

// Compile-time contract of the public types: `pnpm typecheck` fails when any line below stops holding, an
// `@ts-expect-error` among them (it fails when its line compiles). The calls never run; only their types matter.
const client = createKlingClient({ apiKey: 'k', fetch: async () => new Response('{}') });

describe('typed operations', () => {
  it('type responses down to task_result.images[].url', () => {
    const call = () => client.GET('/v1/images/generations/{id}', { params: { path: { id: '1' } } });
    type Data = Awaited<ReturnType<typeof call>>['data'];
    type Url = NonNullable<NonNullable<NonNullable<Data['data']>['task_result']>['images']>[number]['url'];
    expectTypeOf<Url>().toEqualTypeOf<string>();
    expectTypeOf<ImageGenerationTask['task_status']>().toEqualTypeOf<
      'submitted' | 'processing' | 'succeed' | 'failed'
    >();
  });

  it('resolve raw verbs with their data defined: every non-success rejects', () => {
    const get = () => client.GET('/v1/images/omni-image/{id}', { params: { path: { id: '1' } } });
    const post = () => client.POST('/v1/images/generations', { body: { prompt: 'fox' } });
    expectTypeOf<undefined>().not.toExtend<Awaited<ReturnType<typeof get>>['data']>();
    expectTypeOf<undefined>().not.toExtend<Awaited<ReturnType<typeof post>>['data']>();
    expectTypeOf<Awaited<ReturnType<typeof post>>['data']['data']>().toExtend<
      { task_id: string } | undefined
    >();
  });

  it('reject a wrong path, a missing required field and a bad enum value', () => {
    const neverCalled = () => {
      // @ts-expect-error: no such path
      client.GET('/v1/images/generation/{id}', { params: { path: { id: '1' } } });
      // @ts-expect-error: `prompt` is required
      client.POST('/v1/images/generations', { body: { negative_prompt: 'blurry' } });
      // @ts-expect-error: `aspect_ratio` has no value 5:4
      client.POST('/v1/images/generations', { body: { prompt: 'fox', aspect_ratio: '5:4' } });
      // @ts-expect-error: `n` is an integer, not the string of the official example
      client.POST('/v1/images/omni-image', { body: { prompt: 'fox', n: '9' } });
      // @ts-expect-error: the id is a path parameter the call must give
      client.GET('/v1/images/generations/{id}', {});
      // @ts-expect-error: no POST on a task
      client.POST('/v1/images/generations/{id}', { params: { path: { id: '1' } } });
      // Fields with defaults stay optional.
      client.POST('/v1/images/omni-image', { body: { prompt: 'fox' } });
    };
    expectTypeOf(neverCalled).toBeFunction();
  });

  it('type errors', () => {
    expectTypeOf<KlingApiError['code']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<KlingApiError['category']>().toExtend<string>();
  });
});

describe('task errors', () => {
  it('after instanceof, type the task as either family’s, narrowed by `family` (not any)', () => {
    const handle = (error: unknown) => {
      if (!(error instanceof KlingTaskFailedError)) return;
      expectTypeOf(error.task).toEqualTypeOf<ImageGenerationTask | OmniImageTask>();
      expectTypeOf(error.family).toEqualTypeOf<TaskFamily>();
      expectTypeOf(error.reason).toEqualTypeOf<string>();
      // @ts-expect-error: a task is not a number (it would be, were `task` any)
      const wrong: number = error.task;
      if (error.family === 'omni') expectTypeOf(error.task).toEqualTypeOf<OmniImageTask>();
      else expectTypeOf(error.task).toEqualTypeOf<ImageGenerationTask>();
      return wrong;
    };
    expectTypeOf(handle).toBeFunction();
    // Not generic: no type parameter for `instanceof` to fill with any.
    // @ts-expect-error: KlingTaskFailedError takes no type arguments
    expectTypeOf<KlingTaskFailedError<ImageGenerationTask>>().not.toBeNever();
  });

  it('use the four statuses of the spec everywhere a status appears', () => {
    expectTypeOf<KlingWaitTimeoutError['lastStatus']>().toEqualTypeOf<TaskStatus | undefined>();
    expectTypeOf<KlingWaitTimeoutError['family']>().toEqualTypeOf<TaskFamily>();
    type Progress = Parameters<NonNullable<WaitOptions['onProgress']>>[0];
    expectTypeOf<Progress['task_status']>().toEqualTypeOf<TaskStatus>();
    const poll = () => client.tasks.get('omni', '1');
    expectTypeOf<Awaited<ReturnType<typeof poll>>['task_status']>().toEqualTypeOf<TaskStatus>();
    const neverCalled = (error: KlingWaitTimeoutError) => {
      // @ts-expect-error: no task status is called 'done'
      if (error.lastStatus === 'done') return;
    };
    expectTypeOf(neverCalled).toBeFunction();
  });
});

describe('options', () => {
  it('take credentials of one kind only', () => {
    const neverCalled = () => {
      // @ts-expect-error: an API key and a key pair
      createKlingClient({ apiKey: 'k', accessKey: 'ak', secretKey: 'sk' });
      // @ts-expect-error: an API key and a token source
      createKlingClient({ apiKey: 'k', getToken: () => 't' });
      // @ts-expect-error: a token source and a key pair
      createKlingClient({ getToken: () => 't', accessKey: 'ak', secretKey: 'sk' });
      // @ts-expect-error: half a key pair
      createKlingClient({ accessKey: 'ak' });
      createKlingClient({ accessKey: 'ak', secretKey: 'sk', tokenTtlSeconds: 600 });
      createKlingClient({ getToken: async () => 't', maxRetries: 0 });
    };
    expectTypeOf(neverCalled).toBeFunction();
  });

  it('derive clients with other defaults, typed like the options', () => {
    expectTypeOf(client.withOptions({ maxRetries: 0, timeoutMs: 5000 })).toEqualTypeOf<KlingClient>();
    expectTypeOf<Parameters<KlingClient['withOptions']>[0]>().toEqualTypeOf<ClientDefaults>();
    const neverCalled = () => {
      // @ts-expect-error: timeouts are numbers of milliseconds
      client.withOptions({ timeoutMs: '5s' });
      // @ts-expect-error: credentials are not a default: a derived client shares its parent's
      client.withOptions({ apiKey: 'other' });
    };
    expectTypeOf(neverCalled).toBeFunction();
  });
});

describe('internals', () => {
  it('keep the transport off the client', () => {
    expectTypeOf(client).not.toHaveProperty('transport');
    expectTypeOf<keyof KlingClient>().toEqualTypeOf<
      'GET' | 'POST' | 'use' | 'eject' | 'tokens' | 'tasks' | 'withOptions'
    >();
  });

  it('hold each family to a path the generated spec has', () => {
    expectTypeOf(FAMILY_PATHS).toExtend<Record<TaskFamily, keyof paths>>();
    expectTypeOf<keyof typeof FAMILY_PATHS>().toEqualTypeOf<TaskFamily>();
  });
});
