import { createKlingClient, KLING_SERVERS, type KlingClient } from '@klingkit/client';
import { createMockServer, DEMO_ACCOUNT, TIMING_PROFILES, type TimingProfile } from '@klingkit/mock-server';
import { UsageError } from './usage-error.js';

export interface Connection {
  client: KlingClient;
  /** First poll delay while waiting: the embedded mock answers in-process, the real API takes minutes. */
  pollIntervalMs: number;
  /** Fetch for result URLs: the embedded mock serves its images in-process. */
  fetch: (request: Request) => Promise<Response>;
  /** Where requests go and with which account, printed on stderr before every command that sends any. */
  description: string;
  /**
   * The tasks live in this process (the embedded mock) and end with it: a task from an earlier run cannot
   * be found, and a stopped wait cannot be resumed.
   */
  ephemeral: boolean;
  close(): Promise<void>;
}

/** The embedded mock has no port; this origin only names it in URLs. */
const EMBEDDED_ORIGIN = 'http://kling-mock.embedded';

const PROFILES = Object.keys(TIMING_PROFILES) as TimingProfile[];

const SET_KEYS = 'KLING_ACCESS_KEY + KLING_SECRET_KEY or KLING_API_KEY';

/**
 * Which server and account the CLI uses, from the environment, never guessed:
 * - KLING_ACCESS_KEY + KLING_SECRET_KEY (or KLING_API_KEY): that account, at KLING_BASE_URL or the real API;
 * - KLING_BASE_URL alone: the mock's demo account at that URL (a `kling-images mock` in another shell);
 * - nothing: a mock server in this process, so it works with no account and no network.
 * Empty variables count as unset, as shells write `VAR=` to clear one.
 */
export function connect(env: NodeJS.ProcessEnv): Connection {
  const accessKey = env.KLING_ACCESS_KEY || undefined;
  const secretKey = env.KLING_SECRET_KEY || undefined;
  const apiKey = env.KLING_API_KEY || undefined;
  if (Boolean(accessKey) !== Boolean(secretKey)) {
    throw new UsageError(
      `KLING_ACCESS_KEY and KLING_SECRET_KEY go together; only ${accessKey ? 'KLING_ACCESS_KEY' : 'KLING_SECRET_KEY'} is set.`,
    );
  }
  if (apiKey && accessKey) {
    throw new UsageError('Set either KLING_API_KEY or KLING_ACCESS_KEY + KLING_SECRET_KEY, not both.');
  }
  const baseUrl = env.KLING_BASE_URL ? checkedBaseUrl(env.KLING_BASE_URL) : undefined;

  if (apiKey || (accessKey && secretKey)) {
    const origin = baseUrl ?? KLING_SERVERS.singapore;
    const client = createKlingClient({
      ...(apiKey ? { apiKey } : { accessKey: accessKey as string, secretKey: secretKey as string }),
      baseUrl: origin,
    });
    return {
      client,
      fetch: (request) => fetch(request),
      pollIntervalMs: 2000,
      description: `Using the Kling API at ${origin} with ${apiKey ? 'KLING_API_KEY' : 'KLING_ACCESS_KEY + KLING_SECRET_KEY'}.${plainHttpWarning(origin)}`,
      ephemeral: false,
      close: async () => {},
    };
  }

  if (baseUrl) {
    const client = createKlingClient({ ...DEMO_ACCOUNT, baseUrl });
    return {
      client,
      fetch: (request) => fetch(request),
      pollIntervalMs: 500,
      description:
        `No credentials set: using the mock's demo account (${DEMO_ACCOUNT.accessKey}) at KLING_BASE_URL ${baseUrl}, ` +
        `e.g. a \`kling-images mock\` in another shell. Set ${SET_KEYS} for a real account.`,
      ephemeral: false,
      close: async () => {},
    };
  }

  const profile = mockProfile(env.KLING_MOCK_PROFILE || undefined);
  const mock = createMockServer({ profile });
  const client = createKlingClient({
    ...DEMO_ACCOUNT,
    baseUrl: EMBEDDED_ORIGIN,
    fetch: (request) => mock.fetch(request),
  });
  return {
    client,
    fetch: (request) => mock.fetch(request),
    pollIntervalMs: 250,
    description:
      'No credentials set: running on an embedded mock server in this process (no account, no network); ' +
      `its tasks vanish when this command exits. Set ${SET_KEYS} for the real API, or KLING_BASE_URL ` +
      'to a `kling-images mock` for tasks that last between commands.',
    ephemeral: true,
    close: () => mock.close(),
  };
}

/** Told after the description on get and list, whose argument can only come from an earlier run. */
export const EARLIER_RUN_NOTE =
  'A task from an earlier run cannot exist here: every command starts a new, empty mock. To keep tasks ' +
  'between commands, start `kling-images mock` in another shell and set KLING_BASE_URL to the URL it prints.';

function mockProfile(value: string | undefined): TimingProfile {
  if (value === undefined) return 'realistic';
  const profile = PROFILES.find((name) => name === value);
  if (!profile) {
    throw new UsageError(
      `KLING_MOCK_PROFILE must be one of ${PROFILES.join(', ')} (or unset for realistic); got ${JSON.stringify(value)}.`,
    );
  }
  return profile;
}

/**
 * KLING_BASE_URL is an http(s) origin, optionally with a path prefix (a proxy). Credentials in it would be
 * sent along and printed in the description; keys belong in their own variables.
 */
function checkedBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `KLING_BASE_URL must be an absolute http(s) URL such as http://127.0.0.1:4010; got ${JSON.stringify(value)}.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`KLING_BASE_URL must use http or https; got ${JSON.stringify(url.protocol)}.`);
  }
  if (url.username || url.password) {
    throw new UsageError(`KLING_BASE_URL must not hold credentials; set ${SET_KEYS} instead.`);
  }
  if (url.search || url.hash) {
    throw new UsageError('KLING_BASE_URL must not have a query or a fragment.');
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** A real account's token over plain http can be read on the way unless the server is this machine. */
function plainHttpWarning(origin: string): string {
  const { protocol, hostname } = new URL(origin);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname);
  return protocol === 'http:' && !loopback
    ? ' Warning: plain http to another machine; the token can be read on the way.'
    : '';
}
