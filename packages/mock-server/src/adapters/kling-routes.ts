import { KLING_SERVERS } from '@klingkit/client';
import { webOrigin } from '../http/web-origin.js';
import type { MockServer } from '../mock-server.js';

/** What the adapters need of a mock: its in-process door. */
export type MockFetch = Pick<MockServer, 'fetch'>;

export interface KlingRouteOptions {
  /**
   * The API origin the code under test calls, e.g. `http://localhost:4010`: scheme, host and port, no path.
   * Default: the client's default, `KLING_SERVERS.singapore`. The mock builds result URLs on the origin a
   * request came in on, so the result images are requested (and routed) on this origin too.
   */
  baseUrl?: string;
}

/**
 * The requests the adapters hand to a mock: the API (`<baseUrl>/v1/...`) and result images
 * (`<baseUrl>/__mock/images/...`), nothing else. The controls live under the rest of `/__mock/`, and a web
 * page must never reach them through an adapter, so they are not matched: those requests fall through to
 * whatever the test set up for unmatched requests (MSW's `onUnhandledRequest`, Playwright's other routes or
 * the network). The patterns are matched against URLs as fetch and browsers normalise them (dot segments
 * resolved, `%2e` too), so no spelling of a control path starts with `/__mock/images/`; and the mock sends
 * every such path to its image route, never to a control.
 */
export function klingRoutes(options: KlingRouteOptions = {}) {
  const origin = checkedBaseUrl(options.baseUrl ?? KLING_SERVERS.singapore);
  const prefix = origin.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  // No capture groups: MSW would percent-decode captured parameters, and a malformed escape there throws
  // before the mock could answer it as the platform does (400 / 1200).
  const api = new RegExp(`^${prefix}/v1/`);
  const images = new RegExp(`^${prefix}/__mock/images/`);
  return {
    origin,
    api,
    images,
    /** Whether an absolute, normalised URL (`Request.url`, `URL.href`) is routed to the mock. */
    matches: (url: string) => api.test(url) || images.test(url),
  };
}

/**
 * Sends `request` to the mock. Resolves with the mock's answer, or `undefined` when the mock dropped the
 * connection (an injected fault: its fetch door rejects with a TypeError, as a real fetch does), which
 * each adapter turns into its own network error.
 */
export async function forwardToMock(mock: MockFetch, request: Request): Promise<Response | undefined> {
  try {
    return await mock.fetch(request);
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

function checkedBaseUrl(baseUrl: unknown): string {
  const origin = webOrigin(baseUrl);
  if (origin) return origin;
  throw new RangeError(
    `baseUrl must be an http(s) origin like https://api-singapore.klingai.com or http://localhost:4010 (scheme, host, port; no path, query or credentials): the mock serves the API at /v1/ on it; got ${JSON.stringify(String(baseUrl).slice(0, 200))}`,
  );
}
