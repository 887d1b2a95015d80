/**
 * The mock's notion of time: real time plus an offset that tests move forward with `advance()`, so task
 * timings, token expiry and the 30-day retention can be exercised without waiting.
 */
export interface Clock {
  now(): number;
  advance(ms: number): void;
}

export function createClock(start: () => number = Date.now): Clock {
  let offset = 0;
  return {
    now: () => start() + offset,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new RangeError(`advance takes a non-negative number of ms; got ${ms}`);
      offset += ms;
    },
  };
}
