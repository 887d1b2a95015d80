import { CONTROL_RANGES, checkFields, checkNumber } from '../controls/control-bounds.js';

export interface FaultOptions {
  /** Added to every API answer, in real milliseconds. */
  latencyMs?: number;
  /** Share (0-1) of API requests answered with 500/5000, 503/5001 or 504/5002. */
  serverErrorRate?: number;
  /** Share (0-1) of API requests answered with 429/1302 or 429/1303. */
  rateLimitRate?: number;
  /**
   * Share (0-1) of API requests whose connection is dropped with no answer at all (over HTTP the socket is
   * destroyed; in process `fetch` rejects with a `TypeError`, as a real fetch does on a reset).
   */
  dropRate?: number;
  /**
   * Share (0-1) of injected server errors and dropped connections on creates that happen after the task
   * was made, the ambiguous case an idempotent client must survive. Default 0.5.
   */
  afterCreateShare?: number;
  /** Seed of the fault sequence, so a failing run can be replayed. Default 1. */
  seed?: number;
  /**
   * `Retry-After` (seconds) of 1302/1303 answers, drawn (`rateLimitRate`) or injected (`injectError` without
   * its own `retryAfterSeconds`). Default 1, the platform's "back off from one second".
   */
  retryAfterSeconds?: number;
}

/** Changes to the faults: like the options, and `null` unsets a value (back to off, or its default). */
export type FaultChanges = { [K in keyof FaultOptions]?: FaultOptions[K] | null };

const SHARES = ['serverErrorRate', 'rateLimitRate', 'dropRate', 'afterCreateShare'] as const;
/** The settings that are not shares, each checked against its own range. */
const VALUES = ['latencyMs', 'seed', 'retryAfterSeconds'] as const;
const DEFAULT_RETRY_AFTER_SECONDS = 1;

export type InjectedFault =
  | { kind: 'server'; status: 500 | 503 | 504; code: 5000 | 5001 | 5002; afterCreate: boolean }
  | { kind: 'drop'; afterCreate: boolean }
  | { kind: 'rate'; code: 1302 | 1303 };

const SERVER_FAULTS = [
  { status: 500, code: 5000 },
  { status: 503, code: 5001 },
  { status: 504, code: 5002 },
] as const;

/** Off by default. Decides, from a seeded sequence, which API requests fail and how. */
export function createFaultInjector(initial: FaultOptions = {}) {
  let settings: FaultOptions = {};
  let random = mulberry32(1);
  /** The settings `changes` lead to, checked, without applying them. */
  const plan = (changes: FaultChanges): FaultOptions => {
    const fields = checkFields('faults', changes, [...VALUES, ...SHARES]) as FaultChanges;
    const next: FaultOptions = { ...settings };
    for (const key of [...VALUES, ...SHARES] as const) {
      const value = fields[key];
      if (value === null) delete next[key];
      else if (value !== undefined) {
        const range = (VALUES as readonly string[]).includes(key)
          ? CONTROL_RANGES[key as (typeof VALUES)[number]]
          : CONTROL_RANGES.share;
        next[key] = checkNumber(`faults.${key}`, value, range);
      }
    }
    const total = (next.serverErrorRate ?? 0) + (next.rateLimitRate ?? 0) + (next.dropRate ?? 0);
    if (total > 1)
      throw new RangeError(
        `faults.serverErrorRate + rateLimitRate + dropRate must not exceed 1; got ${Number(total.toFixed(6))}`,
      );
    return next;
  };
  /** Applies settings from `plan`; `reseed` (the changes named a seed) restarts the fault sequence. */
  const apply = (next: FaultOptions, reseed: boolean) => {
    settings = next;
    if (reseed) random = mulberry32(next.seed ?? 1);
  };
  const configure = (changes: FaultChanges) => apply(plan(changes), changes.seed !== undefined);
  configure(initial);

  return {
    plan,
    apply,
    configure,
    get settings(): Readonly<FaultOptions> {
      return settings;
    },
    get latencyMs() {
      return settings.latencyMs ?? 0;
    },
    get retryAfterSeconds() {
      return settings.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
    },
    /** The fault for the next API request, if any. */
    draw(): InjectedFault | undefined {
      const { serverErrorRate = 0, rateLimitRate = 0, dropRate = 0 } = settings;
      if (serverErrorRate === 0 && rateLimitRate === 0 && dropRate === 0) return undefined;
      const roll = random();
      const afterCreate = () => random() < (settings.afterCreateShare ?? 0.5);
      if (roll < serverErrorRate) {
        const fault = SERVER_FAULTS[Math.floor(random() * SERVER_FAULTS.length)] ?? SERVER_FAULTS[0];
        return { kind: 'server', ...fault, afterCreate: afterCreate() };
      }
      if (roll < serverErrorRate + rateLimitRate) return { kind: 'rate', code: random() < 0.5 ? 1302 : 1303 };
      if (roll < serverErrorRate + rateLimitRate + dropRate)
        return { kind: 'drop', afterCreate: afterCreate() };
      return undefined;
    },
  };
}

export type FaultInjector = ReturnType<typeof createFaultInjector>;

/** A small, fast, seedable PRNG (mulberry32): the same seed replays the same faults. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
