// Type cases a user meets, checked against the packed `.d.ts` under `strict` (and more), with
// `moduleResolution` `nodenext` and `bundler`. Each `@ts-expect-error` is a mistake the types must refuse:
// if one of them starts to compile, tsc reports the directive as unused and the test fails.
//
// Only cases that hold today are here. For the client's issue-14 type work, add (in a section below):
// - credentials are one of three shapes: `createKlingClient({ apiKey, accessKey, secretKey })` must fail;
// - after `error instanceof KlingTaskFailedError`, `error.task` is not `any` (assign it to `number`: fails);
// - `onProgress`'s `task_status`, `KlingWaitTimeoutError.lastStatus` and `lookUp`'s `task_status` are
//   `TaskStatus` (compare one with `'done'`: fails);
// - `transport` is not on the client (`kling.transport`: fails), and the full generated `paths` /
//   `components` come from their subpath, not the root;
// - a successful raw verb's `data` is defined (`const data: object = (await kling.GET(...)).data`: compiles);
// - `withOptions()` derives a client (`kling.withOptions({ timeoutMs: 'x' })`: fails).
import {
  createKlingClient,
  type ImageGenerationCreateRequest,
  type KlingClient,
  type OmniImageCreateRequest,
  type TaskStatus,
} from '@klingkit/client';
import { parseCallback } from '@klingkit/client/callbacks';
import { downloadImages } from '@klingkit/client/node';
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

// Only the exports map's entries are importable: internals stay internal under both resolutions.
// @ts-expect-error dist/ files are not exports
export type { KlingCredentials } from '@klingkit/client/dist/core/auth.js';
// @ts-expect-error the mock's sources are shipped for source maps, not for import
export type { MockServer } from '@klingkit/mock-server/src/index.js';
