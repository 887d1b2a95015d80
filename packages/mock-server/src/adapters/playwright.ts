import type { BrowserContext, Page, Route } from 'playwright-core';
import { forwardToMock, type KlingRouteOptions, klingRoutes, type MockFetch } from './kling-routes.js';

export type { KlingRouteOptions } from './kling-routes.js';

/**
 * Routes a page's (or a whole browser context's) Kling API and result-image requests to a mock instance
 * in the test's process: each request on `<baseUrl>/v1/...` and `<baseUrl>/__mock/images/...` is sent to
 * `mock.fetch` with its method, headers and body, and fulfilled with the mock's status, headers and bytes;
 * a connection the mock drops (an injected fault) is aborted as a reset. No HTTP listener is needed, and
 * CORS preflights are answered by Playwright itself. The controls under the rest of `/__mock/` are never
 * routed, so the page cannot reach them through this helper. Resolves with a function that removes the
 * route again.
 */
export async function routeKling(
  target: Page | BrowserContext,
  mock: MockFetch,
  options: KlingRouteOptions = {},
): Promise<() => Promise<void>> {
  const routes = klingRoutes(options);
  const matches = (url: URL) => routes.matches(url.href);
  const handler = async (route: Route) => {
    const sent = route.request();
    const method = sent.method();
    const headers = new Headers();
    for (const [name, value] of Object.entries(await sent.allHeaders())) {
      // HTTP/2 pseudo-headers (`:authority`) are no header a Request can carry; the URL says the same.
      if (!name.startsWith(':')) headers.append(name, value);
    }
    const sentBody = method === 'GET' || method === 'HEAD' ? null : sent.postDataBuffer();
    const body = sentBody && new Uint8Array(sentBody);
    const answer = await forwardToMock(mock, new Request(sent.url(), { method, headers, body }));
    if (!answer) return route.abort('connectionreset');
    return route.fulfill({
      status: answer.status,
      headers: Object.fromEntries(answer.headers),
      body: Buffer.from(await answer.arrayBuffer()),
    });
  };
  // Page and BrowserContext declare the same route/unroute; the union alone does not let TypeScript see it.
  const routable = target as Pick<Page, 'route' | 'unroute'>;
  await routable.route(matches, handler);
  return () => routable.unroute(matches, handler);
}
