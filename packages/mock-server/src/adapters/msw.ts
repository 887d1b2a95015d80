import { type HttpHandler, HttpResponse, http } from 'msw';
import { forwardToMock, type KlingRouteOptions, klingRoutes, type MockFetch } from './kling-routes.js';

export type { KlingRouteOptions } from './kling-routes.js';

/**
 * MSW request handlers backed by a mock instance, for `setupServer` (msw/node) in tests: every request to
 * the API (`<baseUrl>/v1/...`) and to its result images (`<baseUrl>/__mock/images/...`) is answered by
 * `mock.fetch`, so the code under test keeps its real base URL and the global fetch, and the whole mock
 * (validation, auth, task lifecycle, limits, faults, images) answers it with no port and no network. A
 * connection the mock drops (an injected fault) is MSW's network error. The mock's controls under the rest
 * of `/__mock/` are not matched: steer the mock through its programmatic controls.
 *
 * The mock itself needs Node (see the README), so these handlers are for `setupServer`, not `setupWorker`.
 */
export function klingHandlers(mock: MockFetch, options: KlingRouteOptions = {}): HttpHandler[] {
  const routes = klingRoutes(options);
  const answer = async ({ request }: { request: Request }) =>
    (await forwardToMock(mock, request)) ?? HttpResponse.error();
  return [http.all(routes.api, answer), http.all(routes.images, answer)];
}
