/**
 * The allowed range of every value the mock's controls take, in one place: the HTTP controls, the
 * programmatic controls, `createMockServer`'s options and the `kling-mock` CLI all check against these.
 * Generous enough for any test (ten years of clock in one step, so 31-day retention tests work), tight
 * enough that no value can hang the mock, exhaust its memory or push its clock past what a Date can hold.
 */
export interface Range {
  min: number;
  max: number;
  /** Whole numbers only. */
  whole: boolean;
  /** How the maximum reads to a person, e.g. `10 years`. */
  maxReads?: string;
}

const HOUR_MS = 60 * 60 * 1000;
const YEAR_MS = 365 * 24 * HOUR_MS;

export const CONTROL_RANGES = {
  /** `failNext` / `fail-next` and `injectError` / `inject-error` counts, per call and pending in all. */
  count: { min: 0, max: 10_000, whole: true },
  /** One `advanceClock` step, in ms. */
  advanceMs: { min: 0, max: 10 * YEAR_MS, whole: true, maxReads: '10 years' },
  /** `faults.latencyMs`, added to every API answer in real time. */
  latencyMs: { min: 0, max: 60_000, whole: false, maxReads: '60 s' },
  /** Each of `timings.processingAfterMs`, `processingMs`, `perImageMs`, in mock-clock ms. */
  timingMs: { min: 0, max: 24 * HOUR_MS, whole: false, maxReads: '24 hours' },
  concurrency: { min: 1, max: 1_000_000_000, whole: true },
  requestsPerSecond: { min: 1, max: 1_000_000_000, whole: true },
  balance: { min: 0, max: Number.MAX_SAFE_INTEGER, whole: true },
  /** The fault rates and `afterCreateShare`. */
  share: { min: 0, max: 1, whole: false },
  seed: { min: 0, max: 2 ** 32 - 1, whole: true },
  /** `Retry-After` of injected and drawn 1302/1303 answers (`faults.retryAfterSeconds`, `injectError`). */
  retryAfterSeconds: { min: 0, max: 3600, whole: true, maxReads: '1 hour' },
  /** API requests the journal keeps (`journalSize`); 0 keeps none. */
  journalSize: { min: 0, max: 100_000, whole: true },
  /** `status` filter of the journal. */
  httpStatus: { min: 0, max: 599, whole: true },
  /** `code` filter of the journal. */
  businessCode: { min: 0, max: 99_999, whole: true },
  /** `since` filter of the journal: a sequence number. */
  sequence: { min: 0, max: Number.MAX_SAFE_INTEGER, whole: true },
  /** `retentionMs`: how long result URLs keep working after a task ends, in mock-clock ms. */
  retentionMs: { min: 0, max: 1000 * YEAR_MS, whole: false, maxReads: '1,000 years' },
  /** A seeded task's `ageMs` (created that long before now) and `endsInMs`, in mock-clock ms. */
  seedSpanMs: { min: 0, max: 10 * YEAR_MS, whole: true, maxReads: '10 years' },
  /** `listen`'s `headersTimeoutMs` and `requestTimeoutMs`: what node's timers can hold. */
  listenTimeoutMs: { min: 1, max: 2 ** 31 - 1, whole: true },
  /** `maxBodyBytes`: a body is held in memory whole, so at most 1 GiB. */
  maxBodyBytes: { min: 1, max: 1024 ** 3, whole: true, maxReads: '1 GiB' },
} as const satisfies Record<string, Range>;

export const CONTROL_LIMITS = {
  /** The clock never runs further ahead of real time than this (1,000 years), so dates stay valid. */
  clockAheadMs: 1000 * YEAR_MS,
  /** Characters of a `failNext` message. */
  messageChars: 1000,
  /** Accounts in `limits.balances`. */
  balanceAccounts: 10_000,
  /** Bytes of an HTTP control body; larger ones are refused with 413 before they are read. */
  bodyBytes: 1024 * 1024,
  /**
   * Bytes of a `POST /__mock/seed` body (and of a `kling-mock --seed` file): a seed of thousands of tasks,
   * or of a create with a Base64 image, outgrows 1 MiB, and it is still read whole before it is checked.
   */
  seedBodyBytes: 16 * 1024 * 1024,
  /** Tasks in one seed. */
  seedTasks: 100_000,
} as const;

/** `a whole number from 0 to 10000`, `a number from 0 to 60000 (60 s)`. */
export function describeRange(range: Range): string {
  return `${range.whole ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}${
    range.maxReads ? ` (${range.maxReads})` : ''
  }`;
}

/** The value if it is a number inside `range`; otherwise a RangeError naming `field` and the range. */
export function checkNumber(field: string, value: unknown, range: Range): number {
  if (
    typeof value !== 'number' ||
    !(value >= range.min && value <= range.max) ||
    (range.whole && !Number.isInteger(value))
  ) {
    throw new RangeError(`${field} must be ${describeRange(range)}; got ${describeValue(value)}`);
  }
  return value;
}

/**
 * `value` as an object with only the `allowed` fields (all optional), or a RangeError naming the first
 * field that is not one of them.
 */
export function checkFields(
  field: string,
  value: unknown,
  allowed: readonly string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RangeError(`${field} must be an object; got ${describeValue(value)}`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new RangeError(`${field} has no field ${quote(key)}; allowed: ${allowed.join(', ') || 'none'}`);
    }
  }
  return value as Record<string, unknown>;
}

/** A short, safe rendering of what was sent: strings quoted and cut, objects named by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `${quote(value)} (a string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * A RangeError when `count` more would make `control` hold more than `CONTROL_RANGES.count` pending
 * injections at once, however they were asked for (one large call or many small ones).
 */
export function checkPending(control: string, pending: number, count: number): void {
  const { max } = CONTROL_RANGES.count;
  if (pending + count > max) {
    throw new RangeError(
      `count ${count} is too many: ${control} already holds ${pending} and may hold at most ${max}`,
    );
  }
}
