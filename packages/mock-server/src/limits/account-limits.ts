import { CONTROL_LIMITS, CONTROL_RANGES, checkFields, checkNumber } from '../controls/control-bounds.js';
import type { Clock } from '../lifecycle/clock.js';

export interface LimitOptions {
  /** Concurrency slots per account; a task holds `n` (or `series_amount`) slots until it ends. Default 20. */
  concurrency?: number;
  /** Requests per second per account before 429 / 1302; unset = unlimited (the default). */
  requestsPerSecond?: number;
  /** Units per account; each image costs one unit, refunded if the task fails. Unset = unlimited. */
  balance?: number;
  /** Units of single accounts, by AccessKey (or `api-key:KEY`); overrides `balance` for them. */
  balances?: Record<string, number>;
}

/**
 * Changes to the limits: like the options, and `null` unsets a value (concurrency back to its default of 20,
 * the request rate and balances back to unlimited; `balances: null` drops every account's own balance).
 */
export interface LimitChanges {
  concurrency?: number | null;
  requestsPerSecond?: number | null;
  balance?: number | null;
  balances?: Record<string, number | null> | null;
}

export type LimitRefusal = { code: 1102 | 1302 | 1303; message: string };

const DEFAULT_CONCURRENCY = 20;
const FIELDS = ['concurrency', 'requestsPerSecond', 'balance', 'balances'] as const;

/** Per-account concurrency slots, request rate and unit balance, as the platform enforces them. */
export function createAccountLimits(
  initial: LimitOptions,
  clock: Clock,
  /** How messages name an account (API keys masked). */
  labelOf: (account: string) => string = (account) => account,
) {
  /** The settings `changes` lead to, checked, without applying them. */
  const plan = (current: LimitOptions, changes: unknown): LimitOptions => {
    const fields = checkFields('limits', changes, FIELDS) as LimitChanges;
    const next: LimitOptions = { ...current };
    for (const key of ['concurrency', 'requestsPerSecond', 'balance'] as const) {
      const value = fields[key];
      if (value === null) delete next[key];
      else if (value !== undefined) next[key] = checkNumber(`limits.${key}`, value, CONTROL_RANGES[key]);
    }
    if (fields.balances !== undefined) next.balances = planBalances(current.balances, fields.balances);
    if (Object.keys(next.balances ?? {}).length === 0) delete next.balances;
    next.concurrency ??= DEFAULT_CONCURRENCY;
    return next;
  };

  const planBalances = (current: Record<string, number> | undefined, changes: unknown) => {
    // A map while merging: account names are data, never object keys like `__proto__`.
    const merged = new Map(changes === null ? [] : Object.entries(current ?? {}));
    if (changes !== null) {
      if (typeof changes !== 'object' || Array.isArray(changes))
        throw new RangeError('limits.balances must be an object of units by account, or null');
      for (const [account, units] of Object.entries(changes)) {
        if (units === null) merged.delete(account);
        else
          merged.set(
            account,
            checkNumber(`limits.balances.${labelOf(account)}`, units, CONTROL_RANGES.balance),
          );
      }
    }
    if (merged.size > CONTROL_LIMITS.balanceAccounts)
      throw new RangeError(
        `limits.balances may name at most ${CONTROL_LIMITS.balanceAccounts} accounts; got ${merged.size}`,
      );
    return Object.fromEntries(merged);
  };

  let settings: LimitOptions = plan({}, initial);
  const slots = new Map<string, number>();
  const spent = new Map<string, number>();
  const windows = new Map<string, { second: number; count: number }>();
  const balanceOf = (account: string) =>
    settings.balances && Object.hasOwn(settings.balances, account)
      ? settings.balances[account]
      : settings.balance;

  return {
    /** The settings `changes` would lead to; throws a RangeError naming a bad value, and changes nothing. */
    plan: (changes: LimitChanges) => plan(settings, changes),
    /** Applies settings from `plan`. */
    apply(next: LimitOptions) {
      settings = next;
    },
    get settings(): Readonly<LimitOptions> {
      return settings;
    },
    /** Counts a request against the rate limit (every API request counts). */
    checkRate(account: string): LimitRefusal | undefined {
      if (settings.requestsPerSecond === undefined) return undefined;
      const second = Math.floor(clock.now() / 1000);
      const window = windows.get(account);
      if (!window || window.second !== second) {
        windows.set(account, { second, count: 1 });
        return undefined;
      }
      window.count++;
      if (window.count <= settings.requestsPerSecond) return undefined;
      return {
        code: 1302,
        message: `Requests too fast: at most ${settings.requestsPerSecond} requests per second`,
      };
    },
    /** Reserves slots and units for a new task, or says why not. */
    reserve(account: string, imageCount: number): LimitRefusal | undefined {
      const used = slots.get(account) ?? 0;
      const limit = settings.concurrency ?? DEFAULT_CONCURRENCY;
      if (used + imageCount > limit) {
        return {
          code: 1303,
          message: `parallel task over resource pack limit: ${used} of ${limit} slots in use, this task needs ${imageCount}`,
        };
      }
      const balance = balanceOf(account);
      if (balance !== undefined) {
        const left = balance - (spent.get(account) ?? 0);
        if (left < imageCount)
          return {
            code: 1102,
            message: `Account balance not enough: ${left} units left, ${imageCount} needed`,
          };
        spent.set(account, (spent.get(account) ?? 0) + imageCount);
      }
      slots.set(account, used + imageCount);
      return undefined;
    },
    /** Frees a finished task's slots; a failed task's units are refunded. */
    release(account: string, imageCount: number, failed: boolean) {
      slots.set(account, Math.max(0, (slots.get(account) ?? 0) - imageCount));
      if (failed && balanceOf(account) !== undefined)
        spent.set(account, Math.max(0, (spent.get(account) ?? 0) - imageCount));
    },
    usage(account: string) {
      return { slotsInUse: slots.get(account) ?? 0, unitsSpent: spent.get(account) ?? 0 };
    },
    reset() {
      slots.clear();
      spent.clear();
      windows.clear();
    },
  };
}

export type AccountLimits = ReturnType<typeof createAccountLimits>;
