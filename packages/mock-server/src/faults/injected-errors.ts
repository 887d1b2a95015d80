import { CONTROL_RANGES, checkNumber, checkPending, describeValue } from '../controls/control-bounds.js';

/**
 * The `injectError` queue: the next API requests answer with the queued business codes, in order. Codes are
 * the ones the spec documents (`statuses`, code -> HTTP status). Aimed injections (by operation or family)
 * belong here: `next` is where a request would be matched against them.
 */
export function createInjectedErrors(statuses: ReadonlyMap<number, number>) {
  const queue: number[] = [];
  return {
    /** Queues `count` answers with `code`; checks both first (RangeError naming the field). */
    inject(code: number, count = 1): void {
      if (typeof code !== 'number' || !statuses.has(code)) {
        throw new RangeError(
          `code must be a code the spec documents (${[...statuses.keys()].join(', ')}); got ${describeValue(code)}`,
        );
      }
      checkNumber('count', count, CONTROL_RANGES.count);
      checkPending('inject-error', queue.length, count);
      for (let i = 0; i < count; i++) queue.push(code);
    },
    /** The code the next API request answers with, if one is queued (and takes it off the queue). */
    next: (): number | undefined => queue.shift(),
    get pending() {
      return queue.length;
    },
    clear(): void {
      queue.length = 0;
    },
  };
}

export type InjectedErrors = ReturnType<typeof createInjectedErrors>;
