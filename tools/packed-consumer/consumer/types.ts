// Type cases a user meets, checked against the packed `.d.ts` under `strict` (and more), with
// `moduleResolution` `nodenext` and `bundler`. Each `@ts-expect-error` is a mistake the types must refuse:
// if one of them starts to compile, tsc reports the directive as unused and the test fails.
//
// The client's issue-14 cases are in `integrators()` below.
import {
  createKlingClient,
  type ImageGenerationCreateRequest,
  type ImageGenerationTask,
  type KlingClient,
  KlingTaskFailedError,
  KlingWaitTimeoutError,
  type OmniImageCreateRequest,
  type OmniImageTask,
  type TaskStatus,
} from '@klingkit/client';
import { parseCallback } from '@klingkit/client/callbacks';
import { downloadImages } from '@klingkit/client/node';
import type { components, paths } from '@klingkit/client/schema';
import { type RequestEnumsOf, requestEnums, TASK_SCHEMAS } from '@klingkit/client/spec-facts';
import { createMockServer } from '@klingkit/mock-server';
import { checkResponse, type Violation } from '@klingkit/spec/conformance';

declare const kling: KlingClient;

export async function requests() {
  // Requests are as narrow as the spec.
  const request: ImageGenerationCreateRequest = { prompt: 'a fox', n: 2, aspect_ratio: '1:1' };
  await kling.tasks.create('generations', request);
  // @ts-expect-error n is an integer, not the string of one official example
  await kling.tasks.create('generations', { prompt: 'a fox', n: '2' });
  // @ts-expect-error series results are an Omni-Image field
  await kling.tasks.create('generations', { prompt: 'a fox', result_type: 'series' });
  // @ts-expect-error 4k is an Omni-Image resolution only
  await kling.tasks.create('generations', { prompt: 'a fox', resolution: '4k' });
  const omni: OmniImageCreateRequest = { prompt: 'a boat', resolution: '4k', result_type: 'series' };
  await kling.tasks.create('omni', omni);
  // @ts-expect-error there are two families
  await kling.tasks.create('video', { prompt: 'a fox' });
  // @ts-expect-error a prompt is required
  await kling.tasks.create('omni', { n: 1 });
}

export async function specFacts() {
  // The enums a form offers are the request's own literal types.
  const choices = requestEnums('omni').aspect_ratio;
  const ratio: OmniImageCreateRequest['aspect_ratio'] = choices.values[0];
  await kling.tasks.create('omni', { prompt: 'a boat', aspect_ratio: choices.default ?? ratio });
  // @ts-expect-error 4k is an Omni-Image resolution only
  const resolution: RequestEnumsOf<'generations'>['resolution']['values'][number] = '4k';
  // @ts-expect-error there are two families
  requestEnums('video');
  const schema: 'OmniImageTask' = TASK_SCHEMAS.omni.task;
  // watermark_info.enabled may be left out of a request (it defaults to false).
  await kling.tasks.create('generations', { prompt: 'a fox', watermark_info: {} });
  return [resolution, schema];
}

export async function tasks() {
  // The family picks the task type; statuses are the spec's four.
  const { task, images } = await kling.tasks.generate('omni', { prompt: 'a boat' });
  const status: TaskStatus = task.task_status;
  const first: string | undefined = images[0]?.url;
  // @ts-expect-error a result URL is a string
  const wrong: number | undefined = images[0]?.url;
  const one = await kling.tasks.get('generations', { externalTaskId: 'order-1' });
  // @ts-expect-error no task status is called 'done'
  if (one.task_status === 'done') return;
  // @ts-expect-error a task id is a string
  await kling.tasks.get('generations', { taskId: 1 });
  return { status, first, wrong };
}

export async function rawVerbs() {
  await kling.GET('/v1/images/generations/{id}', { params: { path: { id: '1' } } });
  // @ts-expect-error the path is the spec's
  await kling.GET('/v1/images/generation/{id}', { params: { path: { id: '1' } } });
  // @ts-expect-error the id is a path parameter the call must give
  await kling.GET('/v1/images/generations/{id}', {});
}

export function options() {
  createKlingClient({ accessKey: 'ak', secretKey: 'sk', timeoutMs: 5_000 });
  createKlingClient({ apiKey: 'key', maxRetries: 0 });
  createKlingClient({ getToken: async () => 'token' });
  // @ts-expect-error an access key needs its secret key
  createKlingClient({ accessKey: 'ak' });
  // @ts-expect-error timeouts are numbers of milliseconds
  createKlingClient({ apiKey: 'key', timeoutMs: '5s' });
}

export async function subpaths(task: Awaited<ReturnType<KlingClient['tasks']['get']>>) {
  const files = await downloadImages(task, 'out', { maxBytes: 1_000_000 });
  const bytes: number | undefined = files[0]?.bytes;
  // @ts-expect-error limits are numbers
  await downloadImages(task, 'out', { maxBytes: '1 MB' });
  const parsed = parseCallback('{}', { family: 'generations' });
  const family: 'generations' = parsed.family;
  const violation: Violation | undefined = checkResponse('GET', '/v1/images/generations', 200, {});
  // @ts-expect-error a status is a number
  checkResponse('GET', '/v1/images/generations', '200', {});
  const mock = createMockServer({ profile: 'fast' });
  // @ts-expect-error the mock's timing profiles are named
  createMockServer({ profile: 'slow' });
  await mock.close();
  return { bytes, family, violation };
}

export async function integrators(error: unknown) {
  // Credentials are one of three kinds: a mix does not compile.
  // @ts-expect-error an API key next to a key pair
  createKlingClient({ apiKey: 'key', accessKey: 'ak', secretKey: 'sk' });
  // @ts-expect-error a token source next to an API key
  createKlingClient({ apiKey: 'key', getToken: () => 'token' });

  // Task errors are not generic: after instanceof, the task is either family's, narrowed by `family`.
  if (error instanceof KlingTaskFailedError) {
    const either: ImageGenerationTask | OmniImageTask = error.task;
    // @ts-expect-error a task is not a number (it would be, were `task` any)
    const wrong: number = error.task;
    if (error.family === 'omni') {
      const omni: OmniImageTask = error.task;
      return { either, wrong, omni };
    }
  }
  // Statuses are the spec's four, wherever they appear.
  if (error instanceof KlingWaitTimeoutError) {
    // @ts-expect-error no task status is called 'done'
    if (error.lastStatus === 'done') return;
    // Enough to resume: the family and the id.
    await kling.tasks.wait(error.family, error.taskId, {
      // @ts-expect-error no task status is called 'done'
      onProgress: (task) => task.task_status === 'done',
    });
  }

  // Internals stay internal.
  // @ts-expect-error the transport is not on the client
  await kling.transport.send('GET', '/v1/images/generations', undefined);

  // A successful raw verb's data is defined: every other answer rejects.
  const data: object = (await kling.GET('/v1/images/generations/{id}', { params: { path: { id: '1' } } }))
    .data;

  // withOptions derives a client with other defaults.
  const impatient: KlingClient = kling.withOptions({ maxRetries: 0, timeoutMs: 5_000 });
  // @ts-expect-error timeouts are numbers of milliseconds
  kling.withOptions({ timeoutMs: 'x' });

  // The full generated types are on their subpath.
  const status: components['schemas']['TaskStatus'] = 'succeed';
  const path: keyof paths = '/v1/images/omni-image';
  return { data, impatient, status, path };
}

// The root names the types users need; the whole generated schema is on `@klingkit/client/schema`.
// @ts-expect-error not on the root
export type RootComponents = import('@klingkit/client').components;
// @ts-expect-error not on the root
export type RootPaths = import('@klingkit/client').paths;
// @ts-expect-error not on the root: envelopes come with the raw verbs' types, or from the subpath
export type RootEnvelope = import('@klingkit/client').CreateTaskResponse;

// Only the exports map's entries are importable: internals stay internal under both resolutions.
// @ts-expect-error dist/ files are not exports
export type { KlingCredentials } from '@klingkit/client/dist/core/auth.js';
// @ts-expect-error the mock's sources are shipped for source maps, not for import
export type { MockServer } from '@klingkit/mock-server/src/index.js';
