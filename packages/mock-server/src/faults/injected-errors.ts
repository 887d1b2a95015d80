import {
  CONTROL_RANGES,
  checkFields,
  checkNumber,
  checkPending,
  describeValue,
} from '../controls/control-bounds.js';
import { OPERATION_KINDS, type OperationKind, TASK_FAMILIES } from '../http/api-call.js';
import type { TaskFamily } from '../store/task-record.js';
import type { DocumentedErrorCode } from '../validation/spec.js';

/** Which requests an injected error hits, how many, and what `Retry-After` its answers carry. */
export interface InjectErrorOptions {
  /** Only this kind of request: `create` (POST), `get` (one task) or `list`. Default: any API request. */
  operation?: OperationKind;
  /** Only requests of this family. Default: both. */
  family?: TaskFamily;
  /** How many matching requests answer with the code. Default 1. */
  count?: number;
  /**
   * `Retry-After` of the answers, in seconds, for codes whose answers may carry it (429 and 503). Default: 1302
   * and 1303 carry `faults.retryAfterSeconds` (1 unless configured), other codes none.
   */
  retryAfterSeconds?: number;
}

/** One queued injection, as the faults stage applies it. */
export interface InjectedError {
  code: DocumentedErrorCode;
  operation: OperationKind | undefined;
  family: TaskFamily | undefined;
  retryAfterSeconds: number | undefined;
}

/** What a request offers to be matched against an aimed injection. */
export interface InjectionTarget {
  kind: OperationKind | undefined;
  family: TaskFamily | undefined;
}

const OPTION_FIELDS = ['operation', 'family', 'count', 'retryAfterSeconds'];

/**
 * The `injectError` queue: each API request takes the first queued injection that matches it (any request,
 * or only one kind and/or family), so "fail the poll, not the create" can be said. Codes are the ones the
 * spec documents (`statuses`, code -> HTTP status); `retryAfterCodes` are those whose answers may carry
 * `Retry-After`. Injections are kept with their remaining count: a request costs nothing while the queue
 * is empty, and a scan of the (bounded) queue otherwise.
 */
export function createInjectedErrors(
  statuses: ReadonlyMap<number, number>,
  retryAfterCodes: ReadonlySet<number> = new Set(),
) {
  const queue: (InjectedError & { left: number })[] = [];
  let pending = 0;
  return {
    /**
     * Queues `count` answers with `code` for the requests `options` aim at; checks every value first
     * (RangeError naming the field), so a refused call queues nothing. `inject(code, count)` is the short form.
     */
    inject(code: DocumentedErrorCode, countOrOptions: number | InjectErrorOptions = 1): void {
      if (typeof code !== 'number' || !statuses.has(code)) {
        throw new RangeError(
          `code must be a code the spec documents (${[...statuses.keys()].join(', ')}); got ${describeValue(code)}`,
        );
      }
      const options: InjectErrorOptions =
        typeof countOrOptions === 'object' && countOrOptions !== null
          ? (checkFields('options', countOrOptions, OPTION_FIELDS) as InjectErrorOptions)
          : { count: countOrOptions };
      // `null` (from JSON) means the default, as everywhere in the controls.
      const count = checkNumber('count', options.count ?? 1, CONTROL_RANGES.count);
      const operation = options.operation ?? undefined;
      const family = options.family ?? undefined;
      const retryAfterSeconds = options.retryAfterSeconds ?? undefined;
      if (operation !== undefined && !OPERATION_KINDS.includes(operation))
        throw new RangeError(
          `operation must be one of ${OPERATION_KINDS.join(', ')}; got ${describeValue(operation)}`,
        );
      if (family !== undefined && !TASK_FAMILIES.includes(family))
        throw new RangeError(
          `family must be one of ${TASK_FAMILIES.join(', ')}; got ${describeValue(family)}`,
        );
      if (retryAfterSeconds !== undefined) {
        checkNumber('retryAfterSeconds', retryAfterSeconds, CONTROL_RANGES.retryAfterSeconds);
        if (!retryAfterCodes.has(code))
          throw new RangeError(
            `retryAfterSeconds goes with a code whose answer carries Retry-After (${[...retryAfterCodes].join(', ')}); code ${code} does not`,
          );
      }
      checkPending('inject-error', pending, count);
      if (count === 0) return;
      queue.push({ code, operation, family, retryAfterSeconds, left: count });
      pending += count;
    },
    /** The injection the request answers with, if one is queued for it (and counts it as used). */
    next(target: InjectionTarget): InjectedError | undefined {
      if (pending === 0) return undefined;
      for (let index = 0; index < queue.length; index++) {
        const queued = queue[index] as InjectedError & { left: number };
        if (
          (queued.operation === undefined || queued.operation === target.kind) &&
          (queued.family === undefined || queued.family === target.family)
        ) {
          pending--;
          if (--queued.left === 0) queue.splice(index, 1);
          return queued;
        }
      }
      return undefined;
    },
    get pending() {
      return pending;
    },
    clear(): void {
      queue.length = 0;
      pending = 0;
    },
  };
}

export type InjectedErrors = ReturnType<typeof createInjectedErrors>;
