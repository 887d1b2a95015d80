import { createAccountLabels } from './auth/account-label.js';
import {
  type AccountId,
  type AuthResult,
  createAuthenticator,
  DEMO_ACCOUNT,
  type KeyPairAccount,
} from './auth/authenticator.js';
import {
  type CallbackDelivery,
  type CallbackOptions,
  createCallbackDispatcher,
} from './callbacks/callback-dispatcher.js';
import {
  type ControlAccessOptions,
  type ControlStatus,
  createControlAccess,
  type Door,
} from './controls/control-access.js';
import {
  CONTROL_LIMITS,
  CONTROL_RANGES,
  checkFields,
  checkNumber,
  describeValue,
} from './controls/control-bounds.js';
import { createFaultInjector, type FaultChanges, type FaultOptions } from './faults/fault-injector.js';
import { handleApi, PROMPT_MARKERS } from './http/api-routes.js';
import { createControlRoutes } from './http/control-routes.js';
import { CORS_HEADERS, failure, success, successWithJson } from './http/envelope.js';
import { createFetchHandler } from './http/fetch-handler.js';
import { handleImage } from './http/image-routes.js';
import { DROPPED_CONNECTION, type MockRequest, type MockResponse } from './http/mock-request.js';
import { createNodeListener, type ListenOptions } from './http/node-listener.js';
import { createImageCache } from './images/image-cache.js';
import { createClock } from './lifecycle/clock.js';
import { createTaskLifecycle } from './lifecycle/task-lifecycle.js';
import { TIMING_PROFILES, type TimingProfile, type Timings } from './lifecycle/timings.js';
import { createAccountLimits, type LimitChanges, type LimitOptions } from './limits/account-limits.js';
import type { MockContext } from './mock-context.js';
import { createTaskJsonCache } from './store/task-json-cache.js';
import { type TaskFamily, type TaskRecord, toTaskObject } from './store/task-record.js';
import { createTaskStore } from './store/task-store.js';
import { loadCompiledSchemas } from './validation/compiled-schemas.js';
import { createRequestValidator } from './validation/request-validator.js';
import { errorStatuses, loadSpec, specSha256 } from './validation/spec.js';

export interface MockServerOptions extends Omit<ControlAccessOptions, 'publicUrl'> {
  /** AccessKey/SecretKey pairs. With neither accounts nor API keys, the demo account exists. */
  accounts?: KeyPairAccount[];
  /** Opaque API keys accepted as bearer tokens. */
  apiKeys?: string[];
  /** Task timings: `fast` (default, for tests) or `realistic` (seconds, for demos). */
  profile?: TimingProfile;
  /** Overrides single timing values of the profile. */
  timings?: Partial<Timings>;
  limits?: LimitOptions;
  faults?: FaultOptions;
  callbacks?: CallbackOptions;
  /** How long result URLs keep working after a task ends, in mock-clock ms. Default 30 days. */
  retentionMs?: number;
  /** Tasks kept in memory; past it the oldest ended tasks are forgotten. Default 200 000. */
  maxTasks?: number;
  /** Largest accepted request body. Default 64 MiB (ten 10 MB images as Base64 fit). */
  maxBodyBytes?: number;
  /** Rendered images kept in memory (LRU). Default 256. */
  imageCacheSize?: number;
  /** Origin for result URLs, e.g. behind a proxy; default: the origin each request came in on. */
  publicUrl?: string;
}

/**
 * A task as the controls show it: which account and family it belongs to, and its API object. The account
 * is its AccessKey, or for an API key a masked label (`api-key:ab…yz#1a2b3c4d`): no control shows a key.
 */
export interface InspectedTask {
  account: string;
  family: TaskFamily;
  task: ReturnType<typeof toTaskObject>;
}

/** What the mock holds in memory against its bounds, for soak tests and dashboards. */
export interface MockStats {
  tasks: { stored: number; limit: number };
  imageCache: { entries: number; limit: number };
  callbacks: {
    recorded: number;
    limit: number;
    inFlight: number;
    maxInFlight: number;
    queued: number;
    maxQueued: number;
    /** Deliveries never sent since the last reset: queue full, or a target that was the mock itself. */
    dropped: number;
  };
}

/** The settings as the controls show them; `limits.balances` names API-key accounts by their labels. */
export interface MockConfig {
  timings: Timings;
  limits: LimitOptions;
  faults: FaultOptions;
}

/** What `configure` takes. Every value is range-checked (see the README); `null` unsets a limit or fault. */
export interface MockConfigChanges {
  timings?: Partial<Timings>;
  limits?: LimitChanges;
  faults?: FaultChanges;
  profile?: TimingProfile;
}

/** Test controls, also served over HTTP under `/__mock/`. */
export interface MockServerControls {
  /** Forgets every task, delivery, slot and spent unit (accounts, config and the clock stay). */
  reset(): void;
  /** Every task (of one account, if given: its AccessKey, label or `api-key:KEY`), newest last. */
  tasks(account?: AccountId): InspectedTask[];
  /** Every callback delivery attempt so far. */
  callbacks(): readonly CallbackDelivery[];
  /**
   * Moves the mock clock forward: tasks progress, results reach their retention, rate windows pass. Tokens
   * are checked against real time, so auth keeps working; `expireTokens` tests expiry.
   */
  advanceClock(ms: number): void;
  /**
   * Every token issued before now answers 401 / 1004 from now on, so the client must sign a new one: each
   * token the mock has seen (its last 4,096), and any other whose `iat` lies before this second. API keys
   * are not affected.
   */
  expireTokens(): void;
  now(): number;
  config(): MockConfig;
  /** Sizes of the task store, image cache and callback log against their bounds. */
  stats(): MockStats;
  /** Applies all of `changes` or, when a value is out of range, none (RangeError naming it). */
  configure(changes: MockConfigChanges): void;
  /** The next `count` created tasks fail with `message` (default: a generic failure). */
  failNext(count?: number, message?: string): void;
  /**
   * The next `count` API requests answer with business `code` (any code the spec documents, with its
   * status), e.g. 1101 arrears or 1304 IP allow-list, which no request can otherwise provoke.
   */
  injectError(code: number, count?: number): void;
}

export interface MockServer extends MockServerControls {
  /** A WHATWG fetch handler: pass it as the client's `fetch` to test with no port and no network. */
  fetch(request: Request): Promise<Response>;
  /** Serves over HTTP (127.0.0.1 and a free port by default); resolves with the base URL. */
  listen(options?: ListenOptions): Promise<string>;
  /** Stops the HTTP server (in-flight requests finish) and every timer. */
  close(): Promise<void>;
  /** Resolves when every queued callback delivery has finished. */
  callbacksIdle(): Promise<void>;
  /** Whether the HTTP controls answer, and a line saying so (the CLIs print it at start-up). */
  controlStatus(): ControlStatus;
}

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;
/** Serialized task objects kept for polling clients; about 0.5 MB at most. */
const TASK_JSON_CACHE_SIZE = 1024;
const PREFLIGHT: MockResponse = {
  status: 204,
  headers: {
    ...CORS_HEADERS,
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-max-age': '600',
  },
  body: '',
};

let shared:
  | { validator: ReturnType<typeof createRequestValidator>; statuses: Map<number, number> }
  | undefined;

/** The spec's validators (compiled at build time, or now from a source checkout); every mock in a process shares them. */
function sharedSpecParts() {
  if (!shared) {
    const spec = loadSpec();
    const schemas = loadCompiledSchemas(spec, specSha256());
    shared = { validator: createRequestValidator(spec, schemas), statuses: errorStatuses(spec) };
  }
  return shared;
}

/**
 * A stateful mock of the Kling image API: validation from the spec, auth, task lifecycle, real images,
 * callbacks, limits and faults. One core behind three doors: `fetch` (in-process), `listen` (HTTP) and the
 * `kling-mock` CLI.
 */
export function createMockServer(options: MockServerOptions = {}): MockServer {
  const { validator, statuses } = sharedSpecParts();
  const clock = createClock();
  const accounts = options.accounts ?? (options.apiKeys?.length ? [] : [DEMO_ACCOUNT]);
  const labels = createAccountLabels(accounts.map((account) => account.accessKey));
  let timings = checkedTimings(TIMING_PROFILES[checkedProfile(options.profile ?? 'fast')], options.timings);
  const maxTasks = options.maxTasks ?? 200_000;
  const imageCacheSize = options.imageCacheSize ?? 256;
  for (const [name, value] of [
    ['maxTasks', maxTasks],
    ['imageCacheSize', imageCacheSize],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a whole number >= 1; got ${value}`);
  }
  const store = createTaskStore(maxTasks);
  const limits = createAccountLimits(options.limits ?? {}, clock, labels.labelOf);
  const callbacks = createCallbackDispatcher(options.callbacks);
  if (options.publicUrl) callbacks.self.addOrigin(options.publicUrl);
  const faults = createFaultInjector(options.faults);
  const images = createImageCache(imageCacheSize);
  const taskJson = createTaskJsonCache(TASK_JSON_CACHE_SIZE);
  const failQueue: string[] = [];
  const injectedErrors: number[] = [];
  const access = createControlAccess({
    controlToken: options.controlToken,
    controlOrigins: options.controlOrigins,
    controlHosts: options.controlHosts,
    publicUrl: options.publicUrl,
  });
  let taskCounter = 0;

  const context: MockContext = {
    options: {
      maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
      retentionMs: options.retentionMs ?? THIRTY_DAYS_MS,
      publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    },
    clock,
    get timings() {
      return timings;
    },
    validator,
    authenticator: createAuthenticator({ accounts, apiKeys: options.apiKeys ?? [] }),
    store,
    lifecycle: createTaskLifecycle({
      clock,
      onChange(record) {
        if (record.status === 'succeed' || record.status === 'failed') {
          limits.release(record.account, record.imageCount, record.status === 'failed');
        }
        context.notify(record);
      },
    }),
    limits,
    callbacks,
    faults,
    images,
    // Numeric like the platform's ids, and unique across mock instances (the creation time leads).
    nextTaskId: () => `${clock.now()}${String(++taskCounter % 100_000).padStart(5, '0')}`,
    plannedOutcome(prompt) {
      if (prompt.includes(PROMPT_MARKERS.policy))
        return { status: 'failed', message: 'Failure to pass the risk control system' };
      if (prompt.includes(PROMPT_MARKERS.fail))
        return { status: 'failed', message: `Task failed as requested by ${PROMPT_MARKERS.fail}` };
      const queued = failQueue.shift();
      return queued === undefined ? { status: 'succeed' } : { status: 'failed', message: queued };
    },
    notify(record: TaskRecord) {
      if (record.callbackUrl)
        callbacks.dispatch(record.callbackUrl, toTaskObject(record, record.origin), record.origin);
    },
    originFor: (request) => context.options.publicUrl ?? request.origin,
    succeed: success,
    succeedWithTasks(records, request) {
      const origin = context.originFor(request);
      return successWithJson(
        Array.isArray(records)
          ? `[${records.map((record) => taskJson.get(record, origin)).join(',')}]`
          : taskJson.get(records, origin),
      );
    },
    fail: (code, message, status) => failure(status ?? statuses.get(code) ?? 500, code, message),
  };

  const controls: MockServerControls = {
    reset() {
      store.clear();
      limits.reset();
      callbacks.clear();
      images.clear();
      taskJson.clear();
      failQueue.length = 0;
      injectedErrors.length = 0;
      context.lifecycle.stop();
    },
    tasks: (account) =>
      store
        .all()
        .filter((record) => account === undefined || labels.matches(record.account, account))
        .map((record) => ({
          account: labels.labelOf(record.account),
          family: record.family,
          task: toTaskObject(record, record.origin),
        })),
    callbacks: () => callbacks.deliveries(),
    advanceClock(ms) {
      checkNumber('advanceMs', ms, CONTROL_RANGES.advanceMs);
      if (clock.now() - Date.now() + ms > CONTROL_LIMITS.clockAheadMs) {
        throw new RangeError(
          `advanceMs ${ms} would put the mock clock more than ${CONTROL_LIMITS.clockAheadMs} ms (1,000 years) ahead of real time`,
        );
      }
      clock.advance(ms);
      context.lifecycle.tick();
    },
    now: () => clock.now(),
    expireTokens: () => context.authenticator.expireIssued(),
    stats: () => ({
      tasks: { stored: store.size, limit: maxTasks },
      imageCache: { entries: images.size, limit: imageCacheSize },
      callbacks: {
        recorded: callbacks.deliveries().length,
        limit: callbacks.recordLimit,
        inFlight: callbacks.inFlight,
        maxInFlight: callbacks.maxInFlight,
        queued: callbacks.queued,
        maxQueued: callbacks.maxQueued,
        dropped: callbacks.dropped,
      },
    }),
    config() {
      const { balances, ...shown } = limits.settings;
      return {
        timings: { ...timings },
        limits: {
          ...shown,
          ...(balances && {
            balances: Object.fromEntries(
              Object.entries(balances).map(([account, units]) => [labels.labelOf(account), units]),
            ),
          }),
        },
        faults: { ...faults.settings },
      };
    },
    configure(changes) {
      // Everything is checked before anything changes: a refused change leaves the config as it was.
      const fields = checkFields('config', changes, ['timings', 'limits', 'faults', 'profile']);
      const profile = fields.profile === undefined ? undefined : checkedProfile(fields.profile);
      const nextTimings = checkedTimings(profile ? TIMING_PROFILES[profile] : timings, changes.timings);
      const nextLimits = changes.limits === undefined ? undefined : limits.plan(changes.limits);
      const nextFaults = changes.faults === undefined ? undefined : faults.plan(changes.faults);
      timings = nextTimings;
      if (nextLimits) limits.apply(nextLimits);
      if (nextFaults) faults.apply(nextFaults, changes.faults?.seed !== undefined);
    },
    failNext(count = 1, message = 'Task failed as requested by the mock controls') {
      checkNumber('count', count, CONTROL_RANGES.count);
      if (typeof message !== 'string' || message.length > CONTROL_LIMITS.messageChars) {
        throw new RangeError(
          `message must be a string of at most ${CONTROL_LIMITS.messageChars} characters; got ${describeValue(message)}`,
        );
      }
      checkPending('fail-next', failQueue.length, count);
      for (let i = 0; i < count; i++) failQueue.push(message);
    },
    injectError(code, count = 1) {
      if (typeof code !== 'number' || !statuses.has(code)) {
        throw new RangeError(
          `code must be a code the spec documents (${[...statuses.keys()].join(', ')}); got ${describeValue(code)}`,
        );
      }
      checkNumber('count', count, CONTROL_RANGES.count);
      checkPending('inject-error', injectedErrors.length, count);
      for (let i = 0; i < count; i++) injectedErrors.push(code);
    },
  };

  /**
   * Every request's entry. Synchronous wherever nothing has to be waited for (a query with a cached token,
   * most refusals): each async layer on the hot path cost a promise and a microtask per request.
   */
  function handle(request: MockRequest, door: Door): MockResponse | Promise<MockResponse> {
    try {
      if (!isDecodablePath(request.path)) {
        return context.fail(
          1200,
          `Unreadable request: the path has a malformed percent-escape (% must start two hex digits that decode to UTF-8); got ${JSON.stringify(request.path.slice(0, 200))}`,
        );
      }
      const answer = route(request, door);
      return answer instanceof Promise ? answer.catch(internalError) : answer;
    } catch {
      return internalError();
    }
  }

  /** Never a stack trace, never a crash: whatever went wrong is the platform's 5000. */
  function internalError(): MockResponse {
    return context.fail(5000, 'Internal server error');
  }

  const handleControl = createControlRoutes(controls, access);

  function route(request: MockRequest, door: Door): MockResponse | Promise<MockResponse> {
    // The controls first: they answer their own preflights, and never with the API's open CORS.
    if (request.path.startsWith('/__mock/') && !request.path.startsWith('/__mock/images/'))
      return handleControl(request, door);
    if (request.method === 'OPTIONS') return PREFLIGHT;
    if (request.path.startsWith('/__mock/images/')) return handleImage(context, request).then(withCors);
    // API answers are envelopes, which carry the CORS headers already.
    if (!request.path.startsWith('/v1/')) return context.fail(1203, `Resource not found: ${request.path}`);
    context.lifecycle.tick();
    if (faults.latencyMs > 0) {
      return new Promise((resolve) => setTimeout(resolve, faults.latencyMs)).then(() =>
        answerWithFaults(request),
      );
    }
    return answerWithFaults(request);
  }

  function answerWithFaults(request: MockRequest): MockResponse | Promise<MockResponse> {
    const injected = injectedErrors.shift();
    if (injected !== undefined) return context.fail(injected, `Injected error ${injected} (mock controls)`);
    const fault = faults.draw();
    if (fault?.kind === 'rate') {
      const code = fault.code === 1303 && request.method !== 'POST' ? 1302 : fault.code;
      return failure(
        429,
        code,
        `${code === 1303 ? 'parallel task over resource pack limit' : 'Requests too fast'} (injected fault)`,
        {
          'retry-after': '1',
        },
      );
    }
    const serverFault = fault?.kind === 'server' || fault?.kind === 'drop' ? fault : undefined;
    const injectServerFault = () =>
      serverFault?.kind === 'server'
        ? failure(serverFault.status, serverFault.code, 'Internal server error (injected fault)')
        : DROPPED_CONNECTION;
    if (serverFault && !(serverFault.afterCreate && request.method === 'POST')) return injectServerFault();

    const answerAs = (auth: AuthResult): MockResponse | Promise<MockResponse> => {
      if (!auth.ok) return context.fail(auth.code, auth.message);
      const limited = limits.checkRate(auth.account);
      if (limited) return context.fail(limited.code, limited.message);
      const response = handleApi(context, request, auth.account);
      if (!serverFault) return response;
      // The ambiguous case: the task exists, but the client is told the create failed.
      const ambiguous = (answer: MockResponse) => (answer.status === 200 ? injectServerFault() : answer);
      return response instanceof Promise ? response.then(ambiguous) : ambiguous(response);
    };
    // A cached token is answered synchronously; only a first sight of a token needs the async verify.
    const auth = context.authenticator.authenticate(request.header('authorization'));
    return auth instanceof Promise ? auth.then(answerAs) : answerAs(auth);
  }

  const node = createNodeListener((request) => handle(request, 'http'), context.options.maxBodyBytes);
  let listeningOn: URL | undefined;
  return {
    ...controls,
    fetch: createFetchHandler((request) => handle(request, 'in-process'), context.options.maxBodyBytes),
    async listen(listenOptions = {}) {
      const url = await node.listen(listenOptions);
      access.listening(url, listenOptions.host ?? '127.0.0.1');
      // Callbacks may not reach the mock: from now on its port (any spelling of this machine) is its own.
      listeningOn = new URL(url);
      callbacks.self.addListener(listenOptions.host ?? '127.0.0.1', Number(listeningOn.port));
      return url;
    },
    async close() {
      context.lifecycle.stop();
      await node.close();
      access.closed();
      if (listeningOn) callbacks.self.removeListener(Number(listeningOn.port));
      listeningOn = undefined;
    },
    callbacksIdle: () => callbacks.idle(),
    controlStatus: () => access.status(),
  };
}

/** `base` with `changes` applied, each value checked against its range (and no unknown names). */
function checkedTimings(base: Timings, changes: unknown): Timings {
  // A copy even without changes: a profile's own object is never handed out to be changed.
  const next = { ...base };
  if (changes === undefined) return next;
  const fields = checkFields('timings', changes, Object.keys(base));
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined)
      next[key as keyof Timings] = checkNumber(`timings.${key}`, value, CONTROL_RANGES.timingMs);
  }
  return next;
}

function checkedProfile(profile: unknown): TimingProfile {
  if (typeof profile === 'string' && Object.hasOwn(TIMING_PROFILES, profile)) return profile as TimingProfile;
  throw new RangeError(
    `profile must be one of ${Object.keys(TIMING_PROFILES).join(', ')}; got ${describeValue(profile)}`,
  );
}

/** At most `CONTROL_RANGES.count` injections may wait at once, however they were asked for. */
function checkPending(control: string, pending: number, count: number): void {
  const { max } = CONTROL_RANGES.count;
  if (pending + count > max) {
    throw new RangeError(
      `count ${count} is too many: ${control} already holds ${pending} and may hold at most ${max}`,
    );
  }
}

/** Routes decode path segments; a `%` that starts no valid escape (or escapes broken UTF-8) would throw there. */
function isDecodablePath(path: string): boolean {
  if (!path.includes('%')) return true;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function withCors(response: MockResponse): MockResponse {
  return { ...response, headers: { ...response.headers, ...CORS_HEADERS } };
}
