import { describe, expectTypeOf, it } from 'vitest';
import { createKlingClient, type ImageGenerationTask, type KlingApiError } from '../src/index.js';

// Compile-time contract of the generated types: `pnpm typecheck` fails when any line below stops holding.
// The calls never run (the client has no fetch to reach); only their types matter.
const client = createKlingClient({ apiKey: 'k', fetch: async () => new Response('{}') });

describe('typed operations', () => {
  it('type responses down to task_result.images[].url', () => {
    const call = () => client.GET('/v1/images/generations/{id}', { params: { path: { id: '1' } } });
    type Data = NonNullable<Awaited<ReturnType<typeof call>>['data']>;
    type Url = NonNullable<
      NonNullable<NonNullable<NonNullable<Data['data']>['task_result']>['images']>[number]['url']
    >;
    expectTypeOf<Url>().toEqualTypeOf<string>();
    expectTypeOf<ImageGenerationTask['task_status']>().toEqualTypeOf<
      'submitted' | 'processing' | 'succeed' | 'failed'
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
