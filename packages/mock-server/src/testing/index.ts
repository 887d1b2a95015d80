import {
  createKlingClient,
  KlingAbortError,
  type KlingClient,
  type KlingClientOptions,
  type KlingClock,
} from '@klingkit/client';
import { DEMO_ACCOUNT } from '../auth/authenticator.js';
import type { MockServerControls } from '../controls/mock-controls.js';
import { createMockServer, type MockServer, type MockServerOptions } from '../mock-server.js';

/** The origin the test kit's client calls; requests never leave the process. */
export const TEST_KIT_ORIGIN = 'http://kling.mock';

/**
 * A mock's clock as a client's `clock`: sleeping moves the mock clock forward by the time asked for, at once,
 * with no real timer, so `wait`'s polls, retry backoff and `wait`'s deadline all run on mock time. The mock
 * clock is real time plus an offset, so it keeps moving with real time too.
 */
export function mockClock(mock: Pick<MockServerControls, 'now' | 'advanceClock'>): KlingClock {
  return {
    now: () => mock.now(),
    sleep(ms, signal) {
      if (signal?.aborted)
        return Promise.reject(new KlingAbortError('Aborted by its AbortSignal.', { cause: signal.reason }));
      // The client asks for fractions of a millisecond (jitter); the mock clock moves in whole ones.
      if (ms > 0) mock.advanceClock(Math.ceil(ms));
      return Promise.resolve();
    },
  };
}

/** `T` without `K`, kept apart per kind of credentials (a plain Omit of the union keeps only shared keys). */
type OwnOptions<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface TestKitOptions extends MockServerOptions {
  /**
   * Options of the client. Its credentials default to the mock's first account, else its first API key,
   * else the demo account; `baseUrl`, `fetch` and `clock` are the kit's.
   */
  client?: Partial<OwnOptions<KlingClientOptions, 'baseUrl' | 'fetch' | 'clock'>>;
}

export interface TestKit {
  /** The in-process mock, with all its controls. */
  mock: MockServer;
  /** A client wired to `mock` in-process, waiting on the mock's clock: a `generate()` takes no real time. */
  kling: KlingClient;
  /** Stops the mock (and its HTTP server, if a test made it listen). */
  close(): Promise<void>;
}

/**
 * A mock and a client wired to it, for tests: no port, no network, no real waiting. With the client's
 * defaults (2 s between polls), `kling.tasks.generate()` resolves as soon as the task ends on the mock's
 * clock: each wait between polls moves that clock on instead of sleeping.
 *
 * ```ts
 * const { mock, kling, close } = createTestKit({ profile: 'realistic' });
 * const { images } = await kling.tasks.generate('generations', { prompt: 'a red fox', n: 2 });
 * await close();
 * ```
 */
export function createTestKit(options: TestKitOptions = {}): TestKit {
  const { client = {}, ...mockOptions } = options;
  const mock = createMockServer(mockOptions);
  const hasCredentials = 'accessKey' in client || 'apiKey' in client || 'getToken' in client;
  const [account] = mockOptions.accounts ?? [];
  const [apiKey] = mockOptions.apiKeys ?? [];
  const credentials = hasCredentials ? {} : (account ?? (apiKey === undefined ? DEMO_ACCOUNT : { apiKey }));
  const kling = createKlingClient({
    ...credentials,
    ...client,
    baseUrl: TEST_KIT_ORIGIN,
    fetch: (request) => mock.fetch(request),
    clock: mockClock(mock),
  } as KlingClientOptions);
  return { mock, kling, close: () => mock.close() };
}
