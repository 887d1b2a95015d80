import type { operations } from '@klingkit/client';
import type { AccountLabels } from '../auth/account-label.js';
import { CONTROL_RANGES, checkFields, checkNumber, describeValue } from '../controls/control-bounds.js';
import {
  API_OPERATIONS,
  ApiCall,
  OPERATION_KINDS,
  type OperationId,
  type OperationKind,
  TASK_FAMILIES,
} from '../http/api-call.js';
import type { MockRequest, MockResponse } from '../http/mock-request.js';
import type { Clock } from '../lifecycle/clock.js';
import type { TaskFamily } from '../store/task-record.js';
import type { DocumentedErrorCode } from '../validation/spec.js';
import { INLINE_BODY_BYTES, shortenBody } from './journal-body.js';

type CreateBody<F extends TaskFamily> =
  operations[(typeof API_OPERATIONS)[F]['create']]['requestBody']['content']['application/json'];

/** What every journal entry holds. */
export interface JournalEntryBase {
  /** 1, 2, 3... in the order requests arrived (restarts at 1 after `reset()`). */
  sequence: number;
  /** Mock-clock ms when the request arrived (`mock.now()` then). */
  at: number;
  method: string;
  /** Without the query string. */
  path: string;
  /** A list's query parameters, as sent; `null` for other requests. */
  query: Record<string, string> | null;
  /**
   * The authenticated account as the controls show it (an AccessKey, or an API key's masked label), never a
   * secret; `null` when the request was answered before authentication (a fault, refused credentials).
   */
  account: string | null;
  /** HTTP status of the answer; 0 when the connection was dropped (an injected fault). */
  status: number;
  /**
   * The task the request was about: the task a create made, the task a get read (its `task_id` even when
   * the path named its `external_task_id`, or the id in the path when there was none), the task a list by
   * `external_task_id` found; `null` otherwise.
   */
  taskId: string | null;
}

/**
 * One API request in the journal. Narrow on `operation` and `code`: an accepted create (`code: 0`) carries
 * its body typed by the spec (Base64 images shortened to `<base64 png 12345 bytes>`); a refused one carries
 * whatever was sent (`unknown`, `null` when it was never read or was not JSON). Gets and lists carry no body.
 */
export type JournalEntry =
  | {
      [F in TaskFamily]: JournalEntryBase & { operation: (typeof API_OPERATIONS)[F]['create']; family: F } & (
          | { code: 0; body: CreateBody<F> }
          | { code: DocumentedErrorCode | null; body: unknown }
        );
    }[TaskFamily]
  | {
      [F in TaskFamily]: JournalEntryBase & {
        operation: (typeof API_OPERATIONS)[F]['get' | 'list'];
        family: F;
        code: 0 | DocumentedErrorCode | null;
        body: null;
      };
    }[TaskFamily]
  | (JournalEntryBase & {
      /** No operation of the spec: an unknown path (1203) or a wrong method on a family's path (1202). */
      operation: null;
      family: TaskFamily | null;
      code: DocumentedErrorCode | null;
      body: unknown;
    });

/** Which entries `requests()` returns; every given field must match. */
export interface JournalFilter {
  /** An operationId (`getOmniImageTask`) or a kind of request (`create`, `get`, `list`). */
  operation?: OperationId | OperationKind;
  family?: TaskFamily;
  /** An AccessKey, an API key's label, or `api-key:KEY`. */
  account?: string;
  status?: number;
  code?: number;
  /** Only entries after this sequence number. */
  since?: number;
}

const FILTER_FIELDS = ['operation', 'family', 'account', 'status', 'code', 'since'];
const OPERATION_IDS: readonly string[] = Object.values(API_OPERATIONS).flatMap((family) =>
  Object.values(family),
);

/**
 * The request journal: every API request in arrival order, in a ring of `size` entries (the oldest drop out).
 * Recording is cheap: an entry is the request's own `ApiCall`, kept by reference, with the body its create
 * parsed once (shortened right away only when it is large). Labels and shortened copies are made when the
 * journal is read.
 */
export function createJournal(size: number, clock: Pick<Clock, 'now'>, labels: AccountLabels) {
  checkNumber('journalSize', size, CONTROL_RANGES.journalSize);
  let ring: ApiCall[] = [];
  let next = 0;
  let sequence = 0;

  const matches = (call: ApiCall, filter: JournalFilter): boolean =>
    (filter.operation === undefined ||
      filter.operation === call.operation ||
      filter.operation === call.kind) &&
    (filter.family === undefined || filter.family === call.family) &&
    (filter.account === undefined ||
      (call.account !== undefined && labels.matches(call.account, filter.account))) &&
    (filter.status === undefined || filter.status === call.status) &&
    (filter.code === undefined || filter.code === call.code) &&
    (filter.since === undefined || call.sequence > filter.since);

  const entryOf = (call: ApiCall): JournalEntry =>
    ({
      sequence: call.sequence,
      at: call.at,
      operation: call.operation ?? null,
      family: call.family ?? null,
      method: call.method,
      path: call.path,
      query: call.query ? Object.fromEntries(call.query) : null,
      account: call.account === undefined ? null : labels.labelOf(call.account),
      body: call.body === undefined ? null : shortenBody(call.body),
      status: call.status,
      code: call.code ?? null,
      taskId: call.taskId ?? null,
    }) as JournalEntry;

  return {
    /** Starts the record of an API request: numbered, stamped with the mock clock, kept in the ring. */
    open(request: MockRequest): ApiCall {
      const call = new ApiCall(request, ++sequence, clock.now());
      if (size === 0) return call;
      if (ring.length < size) ring.push(call);
      else ring[next] = call;
      next = next + 1 === size ? 0 : next + 1;
      return call;
    },
    /** Answered requests, oldest first, that match `filter`. */
    requests(filter: JournalFilter = {}): JournalEntry[] {
      const checked = checkedFilter(filter);
      const ordered = ring.length < size ? ring : [...ring.slice(next), ...ring.slice(0, next)];
      return ordered.filter((call) => call.status !== -1 && matches(call, checked)).map(entryOf);
    },
    clear(): void {
      ring = [];
      next = 0;
      sequence = 0;
    },
    get size() {
      return size;
    },
  };
}

export type Journal = ReturnType<typeof createJournal>;

/**
 * Records the answer of a journaled request. A large parsed body is shortened now, so the ring never holds
 * its images; small ones are kept as they are and shortened when read.
 */
export function settle(call: ApiCall, answer: MockResponse): MockResponse {
  if (call.bodyBytes > INLINE_BODY_BYTES) call.body = shortenBody(call.body);
  return call.answered(answer);
}

function checkedFilter(filter: unknown): JournalFilter {
  const fields = checkFields('filter', filter, FILTER_FIELDS) as JournalFilter;
  const { operation, family, account } = fields;
  if (
    operation !== undefined &&
    !OPERATION_IDS.includes(operation) &&
    !(OPERATION_KINDS as readonly string[]).includes(operation)
  ) {
    throw new RangeError(
      `operation must be an operationId (${OPERATION_IDS.join(', ')}) or one of ${OPERATION_KINDS.join(', ')}; got ${describeValue(operation)}`,
    );
  }
  if (family !== undefined && !TASK_FAMILIES.includes(family))
    throw new RangeError(`family must be one of ${TASK_FAMILIES.join(', ')}; got ${describeValue(family)}`);
  if (account !== undefined && (typeof account !== 'string' || account.length > 1024))
    throw new RangeError(
      `account must be a string of at most 1024 characters; got ${describeValue(account)}`,
    );
  if (fields.status !== undefined) checkNumber('status', fields.status, CONTROL_RANGES.httpStatus);
  if (fields.code !== undefined) checkNumber('code', fields.code, CONTROL_RANGES.businessCode);
  if (fields.since !== undefined) checkNumber('since', fields.since, CONTROL_RANGES.sequence);
  return fields;
}
