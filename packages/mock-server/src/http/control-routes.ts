import type { MockServerControls } from '../mock-server.js';
import type { MockRequest, MockResponse } from './mock-request.js';

/**
 * Test controls over HTTP under `/__mock/`, a prefix the spec does not describe: the same operations as the
 * programmatic controls, for tests in other processes and languages.
 */
export async function handleControl(
  controls: MockServerControls,
  request: MockRequest,
): Promise<MockResponse> {
  const route = `${request.method} ${request.path}`;
  try {
    switch (route) {
      case 'POST /__mock/reset':
        controls.reset();
        return json(200, { ok: true });
      case 'GET /__mock/tasks':
        return json(200, controls.tasks(request.query.get('account') ?? undefined));
      case 'GET /__mock/callbacks':
        return json(200, controls.callbacks());
      case 'POST /__mock/clock': {
        const { advanceMs } = await readJson(request);
        controls.advanceClock(Number(advanceMs));
        return json(200, { now: controls.now() });
      }
      case 'GET /__mock/stats':
        return json(200, controls.stats());
      case 'GET /__mock/config':
        return json(200, controls.config());
      case 'POST /__mock/config':
        controls.configure(await readJson(request));
        return json(200, controls.config());
      case 'POST /__mock/fail-next': {
        const { count, message } = await readJson(request);
        controls.failNext(
          count === undefined ? 1 : Number(count),
          message === undefined ? undefined : String(message),
        );
        return json(200, { ok: true });
      }
      case 'POST /__mock/inject-error': {
        const { code, count } = await readJson(request);
        controls.injectError(Number(code), count === undefined ? 1 : Number(count));
        return json(200, { ok: true });
      }
      default:
        return json(404, {
          error: `No control ${route}. Controls: POST /__mock/reset, GET /__mock/tasks, GET /__mock/callbacks, GET /__mock/stats, POST /__mock/clock, GET|POST /__mock/config, POST /__mock/fail-next, POST /__mock/inject-error`,
        });
    }
  } catch (error) {
    return json(400, { error: error instanceof Error ? error.message : String(error) });
  }
}

async function readJson(request: MockRequest): Promise<Record<string, unknown>> {
  const body = await request.body();
  if (!body || body.length === 0) return {};
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TypeError('control body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function json(status: number, value: unknown): MockResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
  };
}
