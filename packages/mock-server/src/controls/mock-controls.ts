import type { AccountLabels } from '../auth/account-label.js';
import type { AccountId, Authenticator } from '../auth/authenticator.js';
import type { CallbackDelivery, CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import {
  type AnswerDrift,
  type AnswerDriftChange,
  checkedDrift,
  type DriftSetting,
} from '../faults/answer-drift.js';
import type { FaultChanges, FaultInjector, FaultOptions } from '../faults/fault-injector.js';
import type { InjectErrorOptions, InjectedErrors } from '../faults/injected-errors.js';
import type { ImageCache } from '../images/image-cache.js';
import type { Journal, JournalEntry, JournalFilter } from '../journal/journal.js';
import type { Clock } from '../lifecycle/clock.js';
import type { TaskLifecycle } from '../lifecycle/task-lifecycle.js';
import { TIMING_PROFILES, type TimingProfile, type Timings } from '../lifecycle/timings.js';
import type { AccountLimits, LimitChanges, LimitOptions } from '../limits/account-limits.js';
import type { Outcomes } from '../outcomes/outcomes.js';
import type { Seeder, SeedTask } from '../seed/seed-tasks.js';
import type { TaskJsonCache } from '../store/task-json-cache.js';
import { type TaskFamily, type TaskRecord, toTaskObject } from '../store/task-record.js';
import type { TaskStore } from '../store/task-store.js';
import type { DocumentedErrorCode } from '../validation/spec.js';
import { CONTROL_LIMITS, CONTROL_RANGES, checkFields, checkNumber, describeValue } from './control-bounds.js';

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
  /** Answers that break the spec on purpose (for testing a drift recorder); shown only while set. */
  drift?: AnswerDrift;
}

/**
 * What `configure` takes. Every value is range-checked (see the README); `null` restores a value's default: a
 * limit or fault unset, a timing back to its profile's value, the profile back to `fast`.
 */
export interface MockConfigChanges {
  timings?: { [K in keyof Timings]?: Timings[K] | null };
  limits?: LimitChanges;
  faults?: FaultChanges;
  profile?: TimingProfile | null;
  /** Replaces the drift (see `AnswerDrift`); `null` answers by the spec again. */
  drift?: AnswerDriftChange;
}

const DEFAULT_PROFILE: TimingProfile = 'fast';

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
  injectError(code: DocumentedErrorCode, count?: number): void;
  /**
   * The next `count` (default 1) API requests of the `operation` (`create`, `get`, `list`) and `family` given
   * (default: any) answer with business `code`, e.g. "fail the poll, not the create"; 1302/1303 answers carry
   * `Retry-After: retryAfterSeconds` (default `faults.retryAfterSeconds`, 1). Each request takes the first
   * queued injection that matches it.
   */
  injectError(code: DocumentedErrorCode, options: InjectErrorOptions): void;
  /**
   * The API requests answered so far, oldest first (the last `journalSize`, default 1,000), that match
   * `filter`: operation, family, method, path, account (no secrets), parsed body (Base64 images shortened),
   * status, business code, task id and mock-clock time. Cleared by `reset()`.
   */
  requests(filter?: JournalFilter): JournalEntry[];
  /**
   * Adds tasks in any state (submitted, processing, succeed, failed, expired) for any account, with ages,
   * external ids and results; resolves with them as `tasks()` shows them. Each entry's request is checked
   * like a create and its task fields against the spec's task schema; all are added or, on the first bad
   * entry, none (a `SeedError`, a RangeError naming the entry and field, e.g. `tasks[2].request.n`).
   */
  seed(tasks: SeedTask[]): Promise<InspectedTask[]>;
}

/** The timings in force: the controls change them, task creation reads them. */
export interface TimingsSetting {
  current: Timings;
  /** The profile they came from: a timing set to `null` goes back to its value. Default `fast`. */
  profile?: TimingProfile;
}

/** The parts the controls read and steer; createMockServer builds them. */
export interface ControlledParts {
  clock: Clock;
  labels: AccountLabels;
  timings: TimingsSetting;
  store: TaskStore;
  lifecycle: TaskLifecycle;
  limits: AccountLimits;
  callbacks: CallbackDispatcher;
  faults: FaultInjector;
  injectedErrors: InjectedErrors;
  journal: Journal;
  outcomes: Outcomes;
  images: ImageCache;
  taskJson: TaskJsonCache;
  tokens: Pick<Authenticator, 'expireIssued'>;
  bounds: { maxTasks: number; imageCacheSize: number };
  seeder: Seeder;
  drift: DriftSetting;
}

/** The programmatic controls; `http/control-routes.ts` serves the same ones under `/__mock/`. */
export function createMockControls(parts: ControlledParts): MockServerControls {
  const { clock, labels, store, limits, callbacks, faults, images } = parts;
  const inspect = (record: TaskRecord): InspectedTask => ({
    account: labels.labelOf(record.account),
    family: record.family,
    task: toTaskObject(record, record.origin),
  });
  return {
    reset() {
      store.clear();
      limits.reset();
      callbacks.clear();
      images.clear();
      parts.taskJson.clear();
      parts.outcomes.clear();
      parts.injectedErrors.clear();
      parts.journal.clear();
      parts.lifecycle.stop();
    },
    tasks: (account) =>
      store
        .all()
        .filter((record) => account === undefined || labels.matches(record.account, account))
        // Creation order: seeded tasks may be older than the tasks stored before them.
        .sort((a, b) => a.createdAt - b.createdAt)
        .map(inspect),
    callbacks: () => callbacks.deliveries(),
    advanceClock(ms) {
      checkNumber('advanceMs', ms, CONTROL_RANGES.advanceMs);
      if (clock.now() - Date.now() + ms > CONTROL_LIMITS.clockAheadMs) {
        throw new RangeError(
          `advanceMs ${ms} would put the mock clock more than ${CONTROL_LIMITS.clockAheadMs} ms (1,000 years) ahead of real time`,
        );
      }
      clock.advance(ms);
      parts.lifecycle.tick();
    },
    now: () => clock.now(),
    expireTokens: () => parts.tokens.expireIssued(),
    stats: () => ({
      tasks: { stored: store.size, limit: parts.bounds.maxTasks },
      imageCache: { entries: images.size, limit: parts.bounds.imageCacheSize },
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
        timings: { ...parts.timings.current },
        limits: {
          ...shown,
          ...(balances && {
            balances: Object.fromEntries(
              Object.entries(balances).map(([account, units]) => [labels.labelOf(account), units]),
            ),
          }),
        },
        faults: { ...faults.settings },
        ...(parts.drift.current && { drift: structuredClone(parts.drift.current) }),
      };
    },
    configure(changes) {
      // Everything is checked before anything changes: a refused change leaves the config as it was.
      const fields = checkFields('config', changes, ['timings', 'limits', 'faults', 'profile', 'drift']);
      // `profile: null` goes back to the default profile, as `null` restores every other default.
      const profile =
        fields.profile === undefined ? undefined : checkedProfile(fields.profile ?? DEFAULT_PROFILE);
      const inForce = profile ?? parts.timings.profile ?? DEFAULT_PROFILE;
      const nextTimings = checkedTimings(
        profile ? TIMING_PROFILES[profile] : parts.timings.current,
        changes.timings,
        TIMING_PROFILES[inForce],
      );
      const nextLimits = changes.limits === undefined ? undefined : limits.plan(changes.limits);
      const nextFaults = changes.faults === undefined ? undefined : faults.plan(changes.faults);
      const nextDrift =
        fields.drift === undefined || fields.drift === null ? undefined : checkedDrift(fields.drift);
      parts.timings.current = nextTimings;
      parts.timings.profile = inForce;
      if (nextLimits) limits.apply(nextLimits);
      if (nextFaults) faults.apply(nextFaults, changes.faults?.seed !== undefined);
      if (fields.drift !== undefined) parts.drift.current = nextDrift;
    },
    failNext: (count, message) => parts.outcomes.failNext(count, message),
    injectError: (code: DocumentedErrorCode, countOrOptions?: number | InjectErrorOptions) =>
      parts.injectedErrors.inject(code, countOrOptions),
    requests: (filter) => parts.journal.requests(filter),
    seed: async (tasks) => (await parts.seeder.seed(tasks)).map(inspect),
  };
}

/**
 * `base` with `changes` applied, each value checked against its range (and no unknown names); a value set to
 * `null` goes back to its value in `defaults` (the profile in force).
 */
export function checkedTimings(base: Timings, changes: unknown, defaults: Timings = base): Timings {
  // A copy even without changes: a profile's own object is never handed out to be changed.
  const next = { ...base };
  if (changes === undefined) return next;
  const fields = checkFields('timings', changes, Object.keys(base));
  for (const [key, value] of Object.entries(fields)) {
    const name = key as keyof Timings;
    if (value === null) next[name] = defaults[name];
    else if (value !== undefined) next[name] = checkNumber(`timings.${key}`, value, CONTROL_RANGES.timingMs);
  }
  return next;
}

export function checkedProfile(profile: unknown): TimingProfile {
  if (typeof profile === 'string' && Object.hasOwn(TIMING_PROFILES, profile)) return profile as TimingProfile;
  throw new RangeError(
    `profile must be one of ${Object.keys(TIMING_PROFILES).join(', ')}; got ${describeValue(profile)}`,
  );
}
