import { API_KEY_ACCOUNT_PREFIX, createAccountLabels } from './auth/account-label.js';
import { createAuthenticator, DEMO_ACCOUNT, type KeyPairAccount } from './auth/authenticator.js';
import { type CallbackOptions, createCallbackDispatcher } from './callbacks/callback-dispatcher.js';
import {
  type ControlAccessOptions,
  type ControlStatus,
  checkedPublicUrl,
  createControlAccess,
} from './controls/control-access.js';
import { CONTROL_RANGES, checkNumber } from './controls/control-bounds.js';
import {
  checkedProfile,
  checkedTimings,
  createMockControls,
  type MockServerControls,
  type TimingsSetting,
} from './controls/mock-controls.js';
import { type AnswerDrift, checkedDrift, type DriftSetting, withAnswerDrift } from './faults/answer-drift.js';
import { createFaultInjector, type FaultOptions } from './faults/fault-injector.js';
import { createInjectedErrors } from './faults/injected-errors.js';
import { createControlRoutes } from './http/control-routes.js';
import { failure, successWithJson } from './http/envelope.js';
import { createFetchHandler } from './http/fetch-handler.js';
import { forwardedOrigin } from './http/forwarded.js';
import { createNodeListener, type ListenOptions } from './http/node-listener.js';
import { createImageCache } from './images/image-cache.js';
import { createJournal } from './journal/journal.js';
import { createClock } from './lifecycle/clock.js';
import { createTaskLifecycle } from './lifecycle/task-lifecycle.js';
import { TIMING_PROFILES, type TimingProfile, type Timings } from './lifecycle/timings.js';
import { createAccountLimits, type LimitOptions } from './limits/account-limits.js';
import type { MockContext } from './mock-context.js';
import { createOutcomes } from './outcomes/outcomes.js';
import { createPipeline } from './pipeline/pipeline.js';
import { createReplayStage } from './pipeline/replay-stage.js';
import * as stage from './pipeline/stages.js';
import { type CassetteEntry, checkedEntry, type LoadedEntry, readCassettes } from './record/cassette.js';
import { createSeeder } from './seed/seed-tasks.js';
import { createTaskJsonCache } from './store/task-json-cache.js';
import { type TaskRecord, toTaskObject } from './store/task-record.js';
import { createTaskStore } from './store/task-store.js';
import { loadCompiledSchemas } from './validation/compiled-schemas.js';
import { createRequestValidator } from './validation/request-validator.js';
import { errorStatuses, loadSpec, retryAfterCodes, specSha256 } from './validation/spec.js';

export interface MockServerOptions extends Omit<ControlAccessOptions, 'publicUrl'> {
  /** AccessKey/SecretKey pairs. With neither accounts nor API keys, the demo account exists. */
  accounts?: KeyPairAccount[] | undefined;
  /** Opaque API keys accepted as bearer tokens. */
  apiKeys?: string[] | undefined;
  /** Task timings: `fast` (default, for tests) or `realistic` (seconds, for demos). */
  profile?: TimingProfile | undefined;
  /** Overrides single timing values of the profile. */
  timings?: Partial<Timings> | undefined;
  limits?: LimitOptions | undefined;
  faults?: FaultOptions | undefined;
  callbacks?: CallbackOptions | undefined;
  /** How long result URLs keep working after a task ends, in mock-clock ms. Default 30 days. */
  retentionMs?: number | undefined;
  /** Tasks kept in memory; past it the oldest ended tasks are forgotten. Default 200 000. */
  maxTasks?: number | undefined;
  /** Largest accepted request body. Default 64 MiB (ten 10 MB images as Base64 fit). */
  maxBodyBytes?: number | undefined;
  /** Rendered images kept in memory (LRU). Default 256. */
  imageCacheSize?: number | undefined;
  /**
   * Base of result URLs (an origin, and a path prefix if the mock sits under one), e.g. behind a proxy.
   * Default: from the request that reads them, its `Forwarded` / `X-Forwarded-Proto` / `X-Forwarded-Host`
   * headers when they are usable, else the origin it came in on. `publicUrl` wins over those headers.
   */
  publicUrl?: string | undefined;
  /** API requests the journal (`requests()`) keeps, the oldest dropping out; 0 keeps none. Default 1,000. */
  journalSize?: number | undefined;
  /**
   * Cassettes to replay (see the README's "Recording and replay"): a `*.cassette.jsonl` file, a directory of
   * them, or entries. Recorded requests get the recorded answers; others are simulated.
   */
  replay?: string | readonly CassetteEntry[] | undefined;
  /**
   * Answers that break the spec on purpose, for testing a drift recorder without the live API (see
   * `AnswerDrift`); also a control (`configure({ drift })`). Never set it in a mock that stands for the API.
   */
  drift?: AnswerDrift | undefined;
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
const DEFAULT_JOURNAL_SIZE = 1000;
/** Serialized task objects kept for polling clients; about 0.5 MB at most. */
const TASK_JSON_CACHE_SIZE = 1024;

let shared:
  | {
      validator: ReturnType<typeof createRequestValidator>;
      statuses: Map<number, number>;
      retryAfterCodes: Set<number>;
    }
  | undefined;

/** The spec's validators (compiled at build time, or now from sources); every mock in a process shares them. */
function sharedSpecParts() {
  if (!shared) {
    const spec = loadSpec();
    const schemas = loadCompiledSchemas(spec, specSha256());
    shared = {
      validator: createRequestValidator(spec, schemas),
      statuses: errorStatuses(spec),
      retryAfterCodes: retryAfterCodes(spec),
    };
  }
  return shared;
}

/**
 * A stateful mock of the Kling image API: validation from the spec, auth, task lifecycle, real images,
 * callbacks, limits and faults. One core behind three doors: `fetch` (in-process), `listen` (HTTP) and the
 * `kling-mock` CLI. This function only composes: the parts, the context the routes see, the controls, the
 * request pipeline (pipeline/) and the doors.
 */
export function createMockServer(options: MockServerOptions = {}): MockServer {
  // The parts.
  const { validator, statuses, retryAfterCodes } = sharedSpecParts();
  const clock = createClock();
  const accounts = options.accounts ?? (options.apiKeys?.length ? [] : [DEMO_ACCOUNT]);
  const labels = createAccountLabels(accounts.map((account) => account.accessKey));
  const profile = checkedProfile(options.profile ?? 'fast');
  const timings: TimingsSetting = {
    current: checkedTimings(TIMING_PROFILES[profile], options.timings),
    profile,
  };
  const bounds = { maxTasks: options.maxTasks ?? 200_000, imageCacheSize: options.imageCacheSize ?? 256 };
  for (const [name, value] of Object.entries(bounds)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a whole number >= 1; got ${value}`);
  }
  const retentionMs = checkNumber(
    'retentionMs',
    options.retentionMs ?? THIRTY_DAYS_MS,
    CONTROL_RANGES.retentionMs,
  );
  const maxBodyBytes = checkNumber(
    'maxBodyBytes',
    options.maxBodyBytes ?? 64 * 1024 * 1024,
    CONTROL_RANGES.maxBodyBytes,
  );
  // Normalized (host lower-cased, path escaped, no trailing slash): result URLs are this string + a path.
  const publicUrl =
    options.publicUrl === undefined
      ? undefined
      : (({ origin, pathname }) => `${origin}${pathname}`.replace(/\/+$/, ''))(
          checkedPublicUrl(options.publicUrl),
        );
  const drift: DriftSetting = {
    current: options.drift === undefined ? undefined : checkedDrift(options.drift),
  };
  const replay = options.replay === undefined ? undefined : createReplayStage(loadedReplay(options.replay));
  const store = createTaskStore(bounds.maxTasks);
  const limits = createAccountLimits(options.limits ?? {}, clock, labels.labelOf);
  const callbacks = createCallbackDispatcher(options.callbacks);
  if (options.publicUrl) callbacks.self.addOrigin(options.publicUrl);
  const faults = createFaultInjector(options.faults);
  const injectedErrors = createInjectedErrors(statuses, retryAfterCodes);
  const journal = createJournal(options.journalSize ?? DEFAULT_JOURNAL_SIZE, clock, labels);
  const outcomes = createOutcomes();
  const images = createImageCache(bounds.imageCacheSize);
  const taskJson = createTaskJsonCache(TASK_JSON_CACHE_SIZE);
  const access = createControlAccess({
    controlToken: options.controlToken,
    controlOrigins: options.controlOrigins,
    controlHosts: options.controlHosts,
    publicUrl: options.publicUrl,
  });
  let taskCounter = 0;

  // The context the routes see.
  const context: MockContext = {
    options: { maxBodyBytes, retentionMs, publicUrl },
    clock,
    get timings() {
      return timings.current;
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
    outcomes,
    // Numeric like the platform's ids, and unique across mock instances (the creation time leads).
    nextTaskId: () => `${clock.now()}${String(++taskCounter % 100_000).padStart(5, '0')}`,
    notify(record: TaskRecord) {
      if (record.callbackUrl)
        callbacks.dispatch(record.callbackUrl, toTaskObject(record, record.origin), record.origin);
    },
    originFor: (request) => context.options.publicUrl ?? request.origin,
    succeedWithJson: successWithJson,
    succeedWithTasks(records, request) {
      // Result URLs in an answer follow the proxy that request came through; stored tasks never do.
      const origin = publicUrl ?? forwardedOrigin(request) ?? request.origin;
      return successWithJson(
        Array.isArray(records)
          ? `[${records.map((record) => taskJson.get(record, origin)).join(',')}]`
          : taskJson.get(records, origin),
      );
    },
    fail: (code, message, status) => failure(status ?? statuses.get(code) ?? 500, code, message),
  };

  const controls = createMockControls({
    clock,
    labels,
    timings,
    store,
    lifecycle: context.lifecycle,
    limits,
    callbacks,
    faults,
    injectedErrors,
    journal,
    outcomes,
    images,
    taskJson,
    tokens: context.authenticator,
    bounds,
    drift,
    seeder: createSeeder({
      clock,
      timings: () => timings.current,
      retentionMs,
      accounts: [
        ...accounts.map((account) => account.accessKey),
        ...(options.apiKeys ?? []).map((key) => `${API_KEY_ACCOUNT_PREFIX}${key}`),
      ],
      labels,
      validator,
      store,
      lifecycle: context.lifecycle,
      limits,
      callbacks,
      outcomes,
      nextTaskId: () => context.nextTaskId(),
      origin: () => publicUrl ?? listeningOn?.origin ?? 'http://localhost',
    }),
  });
  if (replay) {
    // A reset rewinds the recording too, so one mock can replay a session again.
    const resetState = controls.reset;
    controls.reset = () => {
      resetState();
      replay.rewind();
    };
  }

  // The pipeline, in the order its stages run.
  const handle = createPipeline({
    readablePath: stage.createReadablePathStage(context.fail),
    controls: stage.createControlStage(createControlRoutes(controls, access)),
    preflight: stage.preflight,
    images: stage.createImageStage(context),
    journal,
    apiPath: stage.createApiPathStage(context.fail),
    directives: stage.createDirectiveStage({
      access,
      codes: { statuses, retryAfter: retryAfterCodes },
      fail: context.fail,
    }),
    ...(replay && { replay: replay.replay }),
    progress: () => context.lifecycle.tick(),
    latency: stage.createLatencyStage(faults),
    faults: stage.createFaultStage({ injectedErrors, faults, fail: context.fail }),
    auth: stage.createAuthStage(context.authenticator),
    limits: stage.createLimitStage(limits, context.fail),
    api: withAnswerDrift(stage.createApiStage(context), drift),
    fail: context.fail,
  });

  // The doors.
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

/** A replay option as entries: a path is read now (a bad line is a RangeError naming file, line and field). */
function loadedReplay(replay: string | readonly CassetteEntry[]): LoadedEntry[] {
  if (typeof replay === 'string') return readCassettes(replay);
  if (!Array.isArray(replay)) throw new RangeError('replay must be a cassette path or an array of entries');
  return replay.map((entry, index) => {
    const checked = checkedEntry(entry, `replay[${index}]`);
    return { entry: checked, source: `replay[${index}]#${checked.seq}` };
  });
}
