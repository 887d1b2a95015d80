import type { IncomingMessage, ServerResponse } from 'node:http';
import { KlingCallbackError, type ParsedCallback, parseCallback } from '../callbacks/parse-callback.js';
import type { TaskFamily } from '../lib/tasks.js';

export interface CallbackHandlerOptions {
  /** Parse every delivery as this family; by default Omni-Image tasks are recognised by their result. */
  family?: TaskFamily;
  /**
   * Receives each valid delivery. Deliveries are at-least-once and may arrive out of order: make this
   * idempotent and compare `task.updated_at` with what you stored. A rejection answers 500 so the sender
   * may retry.
   */
  onTask(callback: ParsedCallback): void | Promise<void>;
  /** Told about rejected deliveries (invalid body, too large, handler failure). */
  onError?(error: unknown): void;
  /** Largest body accepted. Default 1 MiB; a task object is a few kB. */
  maxBodyBytes?: number;
}

/** Request with a body already parsed by a framework (Express' `express.json()`, for instance). */
type MaybeParsed = IncomingMessage & { body?: unknown };

/**
 * A request listener for `http.createServer` or an Express/Connect route that receives Kling callbacks,
 * validates them against the spec and hands typed tasks to `onTask`. Answers 200 when handled, 400 for an
 * invalid body, 405 for other methods, 413 when too large, 500 when `onTask` fails.
 */
export function createCallbackHandler(options: CallbackHandlerOptions) {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  return async (request: MaybeParsed, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST') return answer(response, 405, 'callbacks are POSTed', { allow: 'POST' });
    let parsed: ParsedCallback;
    try {
      const body = request.body !== undefined ? request.body : await readBody(request, maxBodyBytes);
      parsed = parseCallback(body, options.family ? { family: options.family } : {});
    } catch (error) {
      options.onError?.(error);
      const status = error instanceof BodyTooLargeError ? 413 : 400;
      return answer(response, status, error instanceof Error ? error.message : String(error));
    }
    try {
      await options.onTask(parsed);
      answer(response, 200, 'ok');
    } catch (error) {
      options.onError?.(error);
      answer(response, 500, 'callback handler failed');
    }
  };
}

class BodyTooLargeError extends KlingCallbackError {}

async function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) throw new BodyTooLargeError(`Callback body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
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
