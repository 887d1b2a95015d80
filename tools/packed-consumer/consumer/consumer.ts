// A user's program, written against the packed packages as npm installed them: generate against the
// in-process mock, download, fail on purpose, read a callback, check every answer with the conformance
// checker. It prints one JSON line the test reads.
import { createKlingClient, KlingApiError, KlingTaskFailedError, type TaskStatus } from '@klingkit/client';
import { parseCallback } from '@klingkit/client/callbacks';
import { downloadImages } from '@klingkit/client/node';
import { createMockServer } from '@klingkit/mock-server';
import { conformingFetch, type Violation } from '@klingkit/spec/conformance';
import spec from '@klingkit/spec/openapi.json' with { type: 'json' };

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: node consumer.js <out-dir>');

const mock = createMockServer();
const mockFetch = (request: Request) => mock.fetch(request);
const violations: Violation[] = [];
const kling = createKlingClient({
  accessKey: 'demo-access-key',
  secretKey: 'demo-secret-key',
  baseUrl: 'http://kling.mock',
  fetch: conformingFetch(mockFetch, violations),
});

const { task, images } = await kling.tasks.generate(
  'omni',
  { prompt: 'a paper boat', result_type: 'series', series_amount: 2 },
  { pollIntervalMs: 20 },
);
const status: TaskStatus = task.task_status;
const files = await downloadImages(task, outDir, { fetch: mockFetch });

mock.failNext(1, 'content policy');
let failure: string | undefined;
try {
  await kling.tasks.generate('generations', { prompt: 'a lighthouse' }, { pollIntervalMs: 20 });
} catch (error) {
  if (!(error instanceof KlingTaskFailedError)) throw error;
  failure = error.reason;
}

let apiError: { code: number | undefined; httpStatus: number } | undefined;
try {
  await kling.tasks.get('generations', '999999999999999999');
} catch (error) {
  if (!(error instanceof KlingApiError)) throw error;
  apiError = { code: error.code, httpStatus: error.httpStatus };
}

const callback = parseCallback(JSON.stringify(task), { family: 'omni' });
await mock.close();

console.log(
  JSON.stringify({
    status,
    images: images.length,
    files: files.map((file) => ({ path: file.path, bytes: file.bytes })),
    failure,
    apiError,
    callbackTaskId: callback.task.task_id,
    taskId: task.task_id,
    violations,
    openapi: spec.openapi,
  }),
);
