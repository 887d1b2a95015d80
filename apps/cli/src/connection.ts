import { createKlingClient, type KlingClient } from '@klingkit/client';
import { createMockServer } from '@klingkit/mock-server';
import { UsageError } from './usage-error.js';

export interface Connection {
  client: KlingClient;
  /** First poll delay while waiting: the embedded mock answers in-process, the real API takes minutes. */
  pollIntervalMs: number;
  /** Fetch for result URLs: the embedded mock serves its images in-process. */
  fetch: (request: Request) => Promise<Response>;
  /** One line saying where requests go. */
  description: string;
  close(): Promise<void>;
}

/** The embedded mock has no port; this origin only names it in URLs. */
const EMBEDDED_ORIGIN = 'http://kling-mock.embedded';

/**
 * With KLING_ACCESS_KEY + KLING_SECRET_KEY (or KLING_API_KEY) the CLI calls the real API (or KLING_BASE_URL);
 * with no credentials it runs against the mock server in-process, so it works with no account and no network.
 */
export function connect(env: NodeJS.ProcessEnv): Connection {
  const {
    KLING_ACCESS_KEY: accessKey,
    KLING_SECRET_KEY: secretKey,
    KLING_API_KEY: apiKey,
    KLING_BASE_URL: baseUrl,
  } = env;
  if (Boolean(accessKey) !== Boolean(secretKey)) {
    throw new UsageError(
      `KLING_ACCESS_KEY and KLING_SECRET_KEY go together; only ${accessKey ? 'KLING_ACCESS_KEY' : 'KLING_SECRET_KEY'} is set.`,
    );
  }
  if (apiKey || accessKey) {
    const credentials = apiKey
      ? { apiKey }
      : { accessKey: accessKey as string, secretKey: secretKey as string };
    const client = createKlingClient({ ...credentials, ...(baseUrl && { baseUrl }) });
    return {
      client,
      fetch: (request) => fetch(request),
      pollIntervalMs: 2000,
      description: `Using the Kling API at ${baseUrl ?? 'https://api-singapore.klingai.com'}.`,
      close: async () => {},
    };
  }
  const profile = env.KLING_MOCK_PROFILE === 'fast' ? 'fast' : 'realistic';
  const mock = createMockServer({ profile });
  const client = createKlingClient({
    accessKey: 'demo-access-key',
    secretKey: 'demo-secret-key',
    baseUrl: EMBEDDED_ORIGIN,
    fetch: (request) => mock.fetch(request),
  });
  return {
    client,
    fetch: (request) => mock.fetch(request),
    pollIntervalMs: 250,
    description:
      'No KLING_ACCESS_KEY/KLING_SECRET_KEY or KLING_API_KEY set: using the embedded mock server (no account, no network).',
    close: () => mock.close(),
  };
}
