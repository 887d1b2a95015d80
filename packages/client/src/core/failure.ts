import type { ClientCore, OperationInit, Settings } from './client.js';
import type { KlingApiError, KlingConnectionError } from './errors.js';
import { decideRetry, type RetryDecision, type RetryState } from './retry.js';

/**
 * The send loop's failure path: what a failed attempt was, and what the call does next. It runs only after a
 * failure, so the client loads it then (a dynamic import, which bundlers split into a chunk of its own): pages
 * whose requests succeed never download it. It imports no module of the entry (a module both import would be
 * split into a third chunk every page loads), so the error classes come as arguments.
 *
 * Resolves with what `recover` found (the call's answer), or undefined after a re-sign or a backoff (the loop
 * sends again); rejects with the error the call fails with. `state` is the call's, empty before its first failure.
 */
export async function afterFailure<R>(
  caught: unknown,
  state: RetryState,
  Api: typeof KlingApiError,
  Connection: typeof KlingConnectionError,
  core: ClientCore,
  settings: Settings,
  method: 'GET' | 'POST',
  path: string,
  init: OperationInit | undefined,
  token: string | undefined,
  at: number,
  // The call's `CallDeadline.expire`; without a deadline, one that gives the error back.
  expire: (cause?: unknown) => unknown,
  signal: AbortSignal | undefined,
  recover: (() => Promise<R | undefined>) | undefined,
): Promise<R | undefined> {
  const { clock, logger } = core;
  const error =
    caught instanceof Api
      ? caught
      : connectionError(Connection, caught, method, core.baseUrl + fillPath(path, init), token);
  state.method = method;
  state.recoverable = !!recover;
  state.retry ||= 0;
  state.lookedUp = false;
  let decision: RetryDecision;
  for (;;) {
    state.leftMs = at - clock.now();
    decision = decideRetry(error, state, settings);
    if (decision !== 'look-up') break;
    state.ambiguous = true;
    const found = await (recover as NonNullable<typeof recover>)();
    // The lost attempt had landed: its task is the answer.
    if (found !== undefined) return found;
    state.lookedUp = true;
  }
  if (decision === 'resign') {
    state.resigned = true;
    core.tokens.invalidate(token);
    logger?.debug('kling: token rejected, signing a fresh one', { code: (error as KlingApiError).code });
    return;
  }
  if (decision === 'expire') throw expire(error);
  if (decision === 'fail') throw error;
  state.retry++;
  logger?.warn(`kling: retrying in ${Math.round(decision)} ms`, { retry: state.retry, error: String(error) });
  await clock.sleep(decision, signal);
}

/** The path with its parameters filled in, as openapi-fetch fills them, for messages. */
function fillPath(path: string, init: OperationInit | undefined): string {
  return path.replace(/{(\w+)}/g, (_, name: string) =>
    encodeURIComponent(init?.params?.path?.[name] as string),
  );
}

/** C0 and C1 control characters, a terminal's escape sequences among them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point.
const CONTROL_CHARACTERS = /[\0-\x1f\x7f-\x9f]/g;

/**
 * A failure before any answer, saying where (method, origin and path; never the query or credentials) and why:
 * the innermost cause, which for Node's fetch is the system error (`connect ECONNREFUSED 127.0.0.1:4999`,
 * `getaddrinfo ENOTFOUND host`, a TLS error) under a generic `fetch failed`.
 */
function connectionError(
  Connection: typeof KlingConnectionError,
  caught: unknown,
  method: string,
  url: string,
  token: string | undefined,
) {
  let inner = caught;
  // Bounded: a cause chain may loop.
  for (let depth = 9; depth-- && inner instanceof Error && inner.cause; ) inner = inner.cause;
  // An AggregateError (several addresses refused) may carry its reason only in `code`.
  const why = String(Object(inner).message || Object(inner).code || inner).trim();
  // No secrets: the token, should fetch's error quote it, and the user:password of any URL (ours, or one the
  // cause quotes) are cut out.
  const strip = (text: string) =>
    (token ? text.replaceAll(token, '[token]') : text).replace(/\/\/[^/@\s]*@/g, '//');
  url = strip(url);
  // Peer-chosen text (a certificate's names) may reach the message: cut short, control characters replaced.
  const reason = strip(why).slice(0, 300).replace(CONTROL_CHARACTERS, '?');
  return new Connection(`${method} ${url} failed: ${reason}`, {
    cause: caught,
    timedOut: caught instanceof Connection && caught.timedOut,
    method,
    url,
  });
}
