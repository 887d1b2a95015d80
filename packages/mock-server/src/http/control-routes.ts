import { CONTROL_TOKEN_HEADER, type ControlAccess, type Door } from '../controls/control-access.js';
import { CONTROL_LIMITS, checkFields } from '../controls/control-bounds.js';
import type { MockServerControls } from '../controls/mock-controls.js';
import type { InjectErrorOptions } from '../faults/injected-errors.js';
import type { JournalFilter } from '../journal/journal.js';
import { SeedError, type SeedTask } from '../seed/seed-tasks.js';
import type { DocumentedErrorCode } from '../validation/spec.js';
import type { MockRequest, MockResponse } from './mock-request.js';

const CONTROL_LIST =
  'POST /__mock/reset, GET /__mock/tasks, GET /__mock/callbacks, GET /__mock/stats, POST /__mock/clock, POST /__mock/expire-tokens, GET|POST /__mock/config, POST /__mock/fail-next, POST /__mock/inject-error, GET /__mock/requests, POST /__mock/seed';
/** On every control answer: never cached, never sniffed into something a browser would run. */
const CONTROL_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** A refusal with its status, for what is wrong with the request rather than with a value in it. */
class ControlRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Test controls over HTTP under `/__mock/`, a prefix the spec does not describe: the same operations as the
 * programmatic controls, for tests in other processes and languages. `access` decides who may use them;
 * every POST must be `application/json` (so no web page can send one as a "simple" request), and its body is
 * at most 1 MiB (16 MiB for a seed). Answers carry no CORS headers except for an allowed origin.
 */
export function createControlRoutes(controls: MockServerControls, access: ControlAccess) {
  return async function handleControl(request: MockRequest, door: Door): Promise<MockResponse> {
    const checked = access.check(request, door);
    const body: BodyState = { read: false };
    let answer: MockResponse;
    if ('refusal' in checked) answer = checked.refusal;
    else if (request.method === 'OPTIONS') answer = preflight(checked.headers);
    else answer = await route(controls, request, checked.headers, body);
    // A body left unread (by a refusal, or sent with a GET) would otherwise be drained before the connection
    // can serve its next request: close it instead, as the listener does after a 413.
    const unreadBody =
      door === 'http' &&
      !body.read &&
      (Number(request.header('content-length') ?? 0) > 0 || request.header('transfer-encoding') !== null);
    return {
      status: answer.status,
      headers: { ...answer.headers, ...CONTROL_HEADERS, ...(unreadBody && { connection: 'close' }) },
      body: answer.body,
    };
  };
}

/** Whether a control read the request's body (or began to: an over-long one is refused mid-way). */
interface BodyState {
  read: boolean;
}

async function route(
  controls: MockServerControls,
  request: MockRequest,
  headers: Record<string, string>,
  body: BodyState,
): Promise<MockResponse> {
  const read = (fields: readonly string[], limit: number = CONTROL_LIMITS.bodyBytes) =>
    readJson(request, fields, body, limit);
  const json = (status: number, value: unknown): MockResponse => ({
    status,
    headers,
    body: JSON.stringify(value),
  });
  const path = `${request.method} ${request.path}`;
  try {
    switch (path) {
      case 'POST /__mock/reset':
        await read([]);
        controls.reset();
        return json(200, { ok: true });
      case 'GET /__mock/tasks':
        return json(200, controls.tasks(request.query.get('account') ?? undefined));
      case 'GET /__mock/callbacks':
        return json(200, controls.callbacks());
      case 'POST /__mock/clock': {
        const { advanceMs } = await read(['advanceMs']);
        controls.advanceClock(advanceMs as number);
        return json(200, { now: controls.now() });
      }
      case 'POST /__mock/expire-tokens':
        await read([]);
        controls.expireTokens();
        return json(200, { ok: true });
      case 'GET /__mock/stats':
        return json(200, controls.stats());
      case 'GET /__mock/config':
        return json(200, controls.config());
      case 'POST /__mock/config':
        controls.configure(await read(['timings', 'limits', 'faults', 'profile', 'drift']));
        return json(200, controls.config());
      case 'POST /__mock/fail-next': {
        const { count, message } = await read(['count', 'message']);
        controls.failNext(count as number | undefined, message as string | undefined);
        return json(200, { ok: true });
      }
      case 'POST /__mock/inject-error': {
        const { code, ...options } = await read(['code', ...INJECT_ERROR_OPTIONS]);
        controls.injectError(code as DocumentedErrorCode, options as InjectErrorOptions);
        return json(200, { ok: true });
      }
      case 'GET /__mock/requests':
        return json(200, controls.requests(journalFilter(request.query)));
      case 'POST /__mock/seed': {
        // Seeds outgrow the other controls' 1 MiB: thousands of tasks, or a create with a Base64 image.
        const { tasks } = await read(['tasks'], CONTROL_LIMITS.seedBodyBytes);
        try {
          return json(200, { tasks: await controls.seed(tasks as SeedTask[]) });
        } catch (error) {
          if (!(error instanceof SeedError)) throw error;
          return json(400, { error: error.message.slice(0, 2000), index: error.index, field: error.field });
        }
      }
      default:
        return json(404, { error: `No control ${path.slice(0, 200)}. Controls: ${CONTROL_LIST}` });
    }
  } catch (error) {
    if (error instanceof ControlRefusal) return json(error.status, { error: error.message });
    if (error instanceof RangeError || error instanceof SyntaxError)
      return json(400, { error: error.message.slice(0, 500) });
    return json(500, { error: 'Internal error in the mock controls' });
  }
}

/**
 * The body of a control POST as an object with only `fields`: empty means `{}`, but the content type must be
 * JSON even then, and a body over `limit` is refused before it is read (or as soon as it passes the limit).
 */
async function readJson(
  request: MockRequest,
  fields: readonly string[],
  state: BodyState,
  limit: number,
): Promise<Record<string, unknown>> {
  const type = request.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ControlRefusal(
      415,
      `Mock control POSTs need content-type: application/json (even with no body); got ${JSON.stringify(type.slice(0, 100) || '(none)')}`,
    );
  }
  state.read = true;
  const body = await request.body(limit);
  if (body === undefined) {
    throw new ControlRefusal(
      413,
      `Mock control bodies are limited to ${limit} bytes (${limit / 1024 / 1024} MiB${limit === CONTROL_LIMITS.bodyBytes ? '' : ` for ${request.path}`}); this one is larger`,
    );
  }
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new SyntaxError(`Mock control body is not valid JSON (${(error as Error).message.slice(0, 200)})`);
  }
  return checkFields('control body', parsed, fields);
}

const INJECT_ERROR_OPTIONS = ['operation', 'family', 'count', 'retryAfterSeconds'];
const TEXT_FILTERS = ['operation', 'family', 'account'] as const;
const NUMBER_FILTERS = ['status', 'code', 'since'] as const;

/**
 * `GET /__mock/requests?operation=...` as a journal filter: each parameter at most once, numbers as plain
 * decimal digits; the journal checks the values themselves (RangeError, so 400 naming the parameter).
 */
function journalFilter(query: URLSearchParams): JournalFilter {
  const filter: Record<string, string | number> = {};
  for (const [name, value] of query) {
    if (Object.hasOwn(filter, name))
      throw new RangeError(`query parameter ${JSON.stringify(name)} appears twice`);
    if ((TEXT_FILTERS as readonly string[]).includes(name)) filter[name] = value;
    else if ((NUMBER_FILTERS as readonly string[]).includes(name)) {
      if (!/^\d{1,16}$/.test(value))
        throw new RangeError(
          `query parameter ${name} must be a whole number in decimal digits; got ${JSON.stringify(value.slice(0, 40))}`,
        );
      filter[name] = Number(value);
    } else {
      throw new RangeError(
        `GET /__mock/requests has no query parameter ${JSON.stringify(name.slice(0, 40))}; allowed: ${[...TEXT_FILTERS, ...NUMBER_FILTERS].join(', ')}`,
      );
    }
  }
  return filter as JournalFilter;
}

function preflight(headers: Record<string, string>): MockResponse {
  const cors = 'access-control-allow-origin' in headers;
  return {
    status: 204,
    headers: cors
      ? {
          ...headers,
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': `content-type, ${CONTROL_TOKEN_HEADER}`,
          'access-control-max-age': '600',
        }
      : { allow: 'GET, POST, OPTIONS' },
    body: '',
  };
}
