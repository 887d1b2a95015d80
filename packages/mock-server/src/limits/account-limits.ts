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

export type LimitRefusal = { code: 1102 | 1302 | 1303; message: string };

/** Per-account concurrency slots, request rate and unit balance, as the platform enforces them. */
export function createAccountLimits(initial: LimitOptions, clock: Clock) {
  let settings: LimitOptions = checked({ concurrency: 20, ...initial });
  const slots = new Map<string, number>();
  const spent = new Map<string, number>();
  const windows = new Map<string, { second: number; count: number }>();
  const balanceOf = (account: string) => settings.balances?.[account] ?? settings.balance;

  return {
    configure(next: LimitOptions) {
      settings = checked({ ...settings, ...next, balances: { ...settings.balances, ...next.balances } });
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
      const limit = settings.concurrency ?? 20;
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

/** Refuses settings that cannot work, naming the setting and what it takes. */
function checked(options: LimitOptions): LimitOptions {
  const whole = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min))
      throw new RangeError(`limits.${name} must be a whole number >= ${min}; got ${value}`);
  };
  whole('concurrency', options.concurrency, 1);
  whole('requestsPerSecond', options.requestsPerSecond, 1);
  whole('balance', options.balance, 0);
  for (const [account, units] of Object.entries(options.balances ?? {}))
    whole(`balances.${account}`, units, 0);
  return options;
}

export type AccountLimits = ReturnType<typeof createAccountLimits>;
