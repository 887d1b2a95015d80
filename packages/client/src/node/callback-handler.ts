import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  KlingCallbackError,
  type KlingCallbackRefusal,
  MAX_CALLBACK_BYTES,
  type ParsedCallback,
  parseCallback,
} from '../callbacks/parse-callback.js';
import { KlingApiError } from '../core/errors.js';
import { checkInteger } from '../core/options.js';
import type { TaskFamily, TaskWorkflows } from '../lib/tasks.js';

export interface CallbackHandlerOptions {
  /** Parse every delivery as this family; by default Omni-Image tasks are recognised by their result. */
  family?: TaskFamily | undefined;
  /**
   * Receives each valid delivery, and the request it came with (to read a token from its URL, say).
   * Deliveries are at-least-once and may arrive out of order: make this idempotent and compare
   * `task.updated_at` with what you stored. A rejection answers 500 so the sender may retry.
   */
  onTask(callback: ParsedCallback, request: IncomingMessage): void | Promise<void>;
  /** Told about refused deliveries (each a KlingCallbackError with its `reason`) and `onTask` failures. */
  onError?(error: unknown): void;
  /**
   * Largest body accepted: a larger one is refused (413) before or while it is read, and a body a framework
   * already parsed is measured as JSON. Default 1 MiB; a task object is a few kB.
   */
  maxBodyBytes?: number | undefined;
  /**
   * A sender that has not finished its body this long after the handler was called gets 408 and the connection
   * is closed. Default 10 000 ms. (Node's own `server.headersTimeout` and `requestTimeout` bound what comes
   * before; a body a framework already read is the framework's to bound.)
   */
  bodyTimeoutMs?: number | undefined;
  /**
   * By default only `application/json` (or `…+json`) bodies are read; others get 415. A web page can post
   * `text/plain` or form bodies to any URL without asking, but not JSON, so this keeps pages a victim has open
   * from forging deliveries to a receiver they can reach (localhost, an intranet). The platform posts JSON.
   */
  acceptAnyContentType?: boolean | undefined;
  /**
   * Check each valid delivery with the API before acting on it: the task is queried by its `task_id`
   * (`verify.tasks.get`, e.g. a KlingClient) and `onTask` receives the queried task, the source of truth,
   * never the posted one. A task the account does not have is refused with 404 (a forgery, or a delivery
   * meant for another account; without `family`, both families are asked); a query that fails answers 503
   * so that the sender tries again. The platform signs nothing, so this (or a secret token in the
   * callback URL) is what tells a real delivery from a forged one. The query runs with the client's own
   * timeout and retries, while the sender waits: give `verify` a client with short ones.
   */
  verify?: { tasks: Pick<TaskWorkflows, 'get'> } | undefined;
}

/** Request with a body already parsed by a framework (Express' `express.json()`, for instance). */
type MaybeParsed = IncomingMessage & { body?: unknown };

const STATUS: Record<KlingCallbackRefusal, number> = {
  invalid: 400,
  'too-large': 413,
  'content-type': 415,
  timeout: 408,
  'unknown-task': 404,
  unverified: 503,
};
/** Refusals answered before the body was read to its end: the connection cannot be reused. */
const UNREAD: ReadonlySet<KlingCallbackRefusal> = new Set(['too-large', 'content-type', 'timeout']);
/** What the sender is told when its delivery could not be checked; the details go to `onError`. */
const UNVERIFIED_ANSWER = 'could not check the task with the API; send it again later';

/**
 * A request listener for `http.createServer` or an Express/Connect route that receives Kling callbacks,
 * validates them against the spec (bounded: see parseCallback) and hands typed tasks to `onTask`. Answers 200
 * when handled, 400 for an invalid body, 405 for other methods, 408 when the body is not received in time,
 * 413 when too large, 415 when not JSON, with `verify` 404 for a task the account does not have and 503 when
 * the API could not be asked, and 500 when `onTask` fails.
 */
export function createCallbackHandler(options: CallbackHandlerOptions) {
  const { family, verify } = options;
  const maxBodyBytes = checkInteger('maxBodyBytes', options.maxBodyBytes ?? MAX_CALLBACK_BYTES, 1, 2 ** 31);
  // setTimeout's largest delay.
  const bodyTimeoutMs = checkInteger('bodyTimeoutMs', options.bodyTimeoutMs ?? 10_000, 1, 2 ** 31 - 1);
  return async (request: MaybeParsed, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST') return answer(response, 405, 'callbacks are POSTed', { allow: 'POST' });
    let parsed: ParsedCallback;
    try {
      const contentType = request.headers['content-type'];
      if (!options.acceptAnyContentType && !isJson(contentType)) {
        throw new KlingCallbackError(
          `Callback content-type must be application/json; got ${JSON.stringify(contentType ?? 'none').slice(0, 60)}`,
          [],
          { reason: 'content-type' },
        );
      }
      const body =
        request.body !== undefined ? request.body : await readBody(request, maxBodyBytes, bodyTimeoutMs);
      parsed = parseCallback(body, { ...(family && { family }), maxBytes: maxBodyBytes });
      if (verify) parsed = await query(verify, parsed, family, maxBodyBytes);
    } catch (error) {
      options.onError?.(error);
      const reason = error instanceof KlingCallbackError ? error.reason : 'invalid';
      const message =
        reason === 'unverified' ? UNVERIFIED_ANSWER : error instanceof Error ? error.message : String(error);
      return answer(response, STATUS[reason], message, UNREAD.has(reason) ? { connection: 'close' } : {});
    }
    try {
      await options.onTask(parsed, request);
      answer(response, 200, 'ok');
    } catch (error) {
      options.onError?.(error);
      answer(response, 500, 'callback handler failed');
    }
  };
}

/** `application/json` or a `+json` type such as `application/problem+json`, parameters allowed. */
function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type);
}

/**
 * The task as the API has it. Without a known family, the other one is asked when the first has no such
 * task: a delivery before any result carries nothing that tells an Omni-Image task from an Image Generation one.
 */
async function query(
  verify: NonNullable<CallbackHandlerOptions['verify']>,
  parsed: ParsedCallback,
  family: TaskFamily | undefined,
  maxBytes: number,
): Promise<ParsedCallback> {
  const id = parsed.task.task_id;
  const other: TaskFamily = parsed.family === 'omni' ? 'generations' : 'omni';
  for (const candidate of family ? [family] : [parsed.family, other]) {
    let task: unknown;
    try {
      task = await verify.tasks.get(candidate, id);
    } catch (error) {
      if (error instanceof KlingApiError && error.code === 1203) continue;
      throw new KlingCallbackError(`Could not query task ${id}: ${String(error)}`, [], {
        reason: 'unverified',
        cause: error,
      });
    }
    // A lookup may resolve an unknown id as an external_task_id (the mock does): only the same task counts.
    if ((task as { task_id?: unknown } | undefined)?.task_id !== id) continue;
    try {
      return parseCallback(task, { family: candidate, maxBytes }) as ParsedCallback;
    } catch (error) {
      throw new KlingCallbackError(`The API's answer for task ${id} is not a valid task`, [], {
        reason: 'unverified',
        cause: error,
      });
    }
  }
  throw new KlingCallbackError(
    `No task ${id} in this account: the delivery is forged or meant for another account`,
    [],
    { reason: 'unknown-task' },
  );
}

/**
 * The body, refused as too large before reading when its declared length says so and as soon as what arrived
 * says so, and as late when it has not ended within `timeoutMs`. Reading stops there; the answer closes the
 * connection.
 */
function readBody(request: IncomingMessage, limit: number, timeoutMs: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new KlingCallbackError(`Callback body exceeds ${limit} bytes`, [], { reason: 'too-large' });
  if (Number(request.headers['content-length']) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: KlingCallbackError) => {
      clearTimeout(timer);
      request.off('data', onData).off('end', onEnd).off('error', onFailure).off('close', onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) finish(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onFailure = (error: Error) =>
      finish(
        new KlingCallbackError(`Callback body could not be read: ${error.message}`, [], { cause: error }),
      );
    const onClose = () => {
      if (!request.complete) finish(new KlingCallbackError('The sender closed the connection mid-body'));
    };
    const timer = setTimeout(
      () =>
        finish(
          new KlingCallbackError(`Callback body not received within ${timeoutMs} ms`, [], {
            reason: 'timeout',
          }),
        ),
      timeoutMs,
    );
    request.on('data', onData).on('end', onEnd).on('error', onFailure).on('close', onClose);
  });
}

function answer(
  response: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ ok: status === 200, message }));
}
