import type { operations } from '@klingkit/client/schema';
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

const SEGMENTS: Record<TaskFamily, string> = { generations: 'generations', omni: 'omni-image' };
const NO_CODE = -1;

/**
 * The request journal: the last `size` answered API requests, shown in arrival order. Recording must cost
 * nothing a benchmark can see, so an answered request is copied into a ring of columns (numbers in typed
 * arrays, the rest as references to what the mock holds anyway: the task's id, the account, constant route
 * names, the body its create parsed once), and the request's own `ApiCall` dies young. Keeping the calls
 * themselves made every request's record, its path and its clock reading survive young-generation
 * collections. A path is kept only when the route cannot rebuild it (an encoded id, an unknown path).
 * Labels and shortened copies of bodies are made when the journal is read.
 */
export function createJournal(size: number, clock: Pick<Clock, 'now'>, labels: AccountLabels) {
  checkNumber('journalSize', size, CONTROL_RANGES.journalSize);
  const sequences = new Float64Array(size);
  const times = new Float64Array(size);
  const statuses = new Int16Array(size);
  const codes = new Int32Array(size);
  const methods: string[] = new Array(size).fill('');
  const kinds: (OperationKind | undefined)[] = new Array(size).fill(undefined);
  const families: (TaskFamily | undefined)[] = new Array(size).fill(undefined);
  const paths: (string | undefined)[] = new Array(size).fill(undefined);
  const accounts: (string | undefined)[] = new Array(size).fill(undefined);
  const taskIds: (string | undefined)[] = new Array(size).fill(undefined);
  const bodies: unknown[] = new Array(size).fill(undefined);
  const queries: (URLSearchParams | undefined)[] = new Array(size).fill(undefined);
  let stored = 0;
  let next = 0;
  let sequence = 0;

  const pathAt = (at: number): string => {
    const kept = paths[at];
    if (kept !== undefined) return kept;
    const base = `/v1/images/${SEGMENTS[families[at] as TaskFamily]}`;
    return kinds[at] === 'get' ? `${base}/${taskIds[at]}` : base;
  };

  const matches = (at: number, filter: JournalFilter): boolean => {
    const kind = kinds[at];
    const family = families[at];
    const account = accounts[at];
    return (
      (filter.operation === undefined ||
        filter.operation === kind ||
        (kind !== undefined && family !== undefined && filter.operation === API_OPERATIONS[family][kind])) &&
      (filter.family === undefined || filter.family === family) &&
      (filter.account === undefined || (account !== undefined && labels.matches(account, filter.account))) &&
      (filter.status === undefined || filter.status === statuses[at]) &&
      (filter.code === undefined || filter.code === codes[at]) &&
      (filter.since === undefined || (sequences[at] as number) > filter.since)
    );
  };

  const entryAt = (at: number): JournalEntry => {
    const kind = kinds[at];
    const family = families[at];
    const account = accounts[at];
    const body = bodies[at];
    const query = queries[at];
    const code = codes[at] as number;
    return {
      sequence: sequences[at],
      at: times[at],
      operation: kind !== undefined && family !== undefined ? API_OPERATIONS[family][kind] : null,
      family: family ?? null,
      method: methods[at],
      path: pathAt(at),
      query: query ? Object.fromEntries(query) : null,
      account: account === undefined ? null : labels.labelOf(account),
      body: body === undefined ? null : shortenBody(body),
      status: statuses[at],
      code: code === NO_CODE ? null : code,
      taskId: taskIds[at] ?? null,
    } as JournalEntry;
  };

  return {
    /** Starts the record of an API request: numbered in arrival order, stamped with the mock clock. */
    open(request: MockRequest): ApiCall {
      return new ApiCall(request, ++sequence, clock.now());
    },
    /**
     * Records how a request was answered, and hands the answer on. A large parsed body is shortened now, so
     * the ring never holds its images; small ones are kept as they are and shortened when read.
     */
    settle(call: ApiCall, answer: MockResponse): MockResponse {
      call.answered(answer);
      if (size === 0) return answer;
      const at = next;
      next = next + 1 === size ? 0 : next + 1;
      if (stored < size) stored++;
      const { kind, family } = call;
      sequences[at] = call.sequence;
      times[at] = call.at;
      statuses[at] = call.status;
      codes[at] = call.code ?? NO_CODE;
      methods[at] = call.method;
      kinds[at] = kind;
      families[at] = family;
      // Creates and lists have their family's path; a get's is rebuilt from the task id when it was that.
      paths[at] =
        family !== undefined &&
        (kind === 'create' ||
          kind === 'list' ||
          (kind === 'get' && !call.pathEncoded && call.pathId === call.taskId))
          ? undefined
          : call.path;
      accounts[at] = call.account;
      taskIds[at] = call.taskId;
      bodies[at] = call.bodyBytes > INLINE_BODY_BYTES ? shortenBody(call.body) : call.body;
      queries[at] = call.query;
      return answer;
    },
    /** Answered requests that match `filter`, in the order they arrived. */
    requests(filter: JournalFilter = {}): JournalEntry[] {
      const checked = checkedFilter(filter);
      const found: number[] = [];
      for (let i = 0; i < stored; i++) {
        const at = (next - stored + i + size) % size;
        if (matches(at, checked)) found.push(at);
      }
      // Recorded as they were answered: a create that waited for its body may follow a later query.
      found.sort((a, b) => (sequences[a] as number) - (sequences[b] as number));
      return found.map(entryAt);
    },
    clear(): void {
      stored = 0;
      next = 0;
      sequence = 0;
      methods.fill('');
      kinds.fill(undefined);
      families.fill(undefined);
      paths.fill(undefined);
      accounts.fill(undefined);
      taskIds.fill(undefined);
      bodies.fill(undefined);
      queries.fill(undefined);
    },
    get size() {
      return size;
    },
  };
}

export type Journal = ReturnType<typeof createJournal>;

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
