import type { operations } from '@klingkit/client/schema';
import type { MockDirectives } from '../controls/mock-directives.js';
import type { TaskFamily } from '../store/task-record.js';
import type { MockRequest, MockResponse } from './mock-request.js';

/** What an API request does to its family's tasks: `POST` the collection, `GET` one task, `GET` the collection. */
export type OperationKind = 'create' | 'get' | 'list';

export const OPERATION_KINDS: readonly OperationKind[] = ['create', 'get', 'list'];
export const TASK_FAMILIES: readonly TaskFamily[] = ['generations', 'omni'];

/** The spec's operationId of every family and kind; `satisfies` ties each name to the generated types. */
export const API_OPERATIONS = {
  generations: {
    create: 'createImageGenerationTask',
    get: 'getImageGenerationTask',
    list: 'listImageGenerationTasks',
  },
  omni: { create: 'createOmniImageTask', get: 'getOmniImageTask', list: 'listOmniImageTasks' },
} as const satisfies Record<TaskFamily, Record<OperationKind, keyof operations>>;

export type OperationId = (typeof API_OPERATIONS)[TaskFamily][OperationKind];

const ROUTE = /^\/v1\/images\/(generations|omni-image)(?:\/([^/]+))?$/;

/**
 * One API request on its way through the pipeline: its route, matched once (operation, family, the task id
 * in its path), the `X-Kling-Mock` directives it carries, and what it came to (account, parsed body, answer).
 * The routes, the aimed faults and the journal all read this one object, and the journal keeps it as it is:
 * a class, so every request's record has the same shape, and nothing here holds the request itself.
 */
export class ApiCall {
  readonly method: string;
  readonly path: string;
  /** `undefined` when the path and method name no operation of the spec (answered 1203 or 1202). */
  readonly operation: OperationId | undefined;
  readonly kind: OperationKind | undefined;
  /** From the path: also set for a wrong method on a family's path. */
  readonly family: TaskFamily | undefined;
  /** The id in a get's path, decoded. */
  readonly pathId: string | undefined;
  /** Whether that id was percent-encoded in the path. */
  readonly pathEncoded: boolean;
  /** The id in a get's path; then the task the request concerned (created, read, or listed by external id). */
  taskId: string | undefined;
  /** The authenticated account (its id: AccessKey or `api-key:KEY`; shown only as a label). */
  account: string | undefined = undefined;
  /** A create's parsed body, as the create route parsed it. */
  body: unknown = undefined;
  /** Size of the raw create body, so the journal knows when to shorten it at once. */
  bodyBytes = 0;
  /** A list's query, as the list route read it. */
  query: URLSearchParams | undefined = undefined;
  /** The `X-Kling-Mock` directives: set only when the header was sent (and allowed). */
  directives: MockDirectives | undefined = undefined;
  /** The answer's status once it is settled (0: the connection was dropped); -1 while pending. */
  status = -1;
  code: number | undefined = undefined;

  constructor(
    request: MockRequest,
    /** Numbered in arrival order by the journal. */
    readonly sequence: number,
    /** Mock-clock ms at arrival. */
    readonly at: number,
  ) {
    this.method = request.method;
    this.path = request.path;
    const match = ROUTE.exec(request.path);
    // The route's two segments compared, not looked up: a keyed lookup by the matched (fresh) string costs a
    // string-table search on every request.
    const family = match ? (match[1] === 'generations' ? 'generations' : 'omni') : undefined;
    const raw = match?.[2];
    // Most ids are plain digits: decode (a new string) only what is encoded.
    const id = raw === undefined || !raw.includes('%') ? raw : decodeURIComponent(raw);
    const kind =
      family === undefined
        ? undefined
        : request.method === 'POST' && id === undefined
          ? 'create'
          : request.method === 'GET'
            ? id === undefined
              ? 'list'
              : 'get'
            : undefined;
    this.family = family;
    this.kind = kind;
    this.operation = family && kind ? API_OPERATIONS[family][kind] : undefined;
    this.pathId = id;
    this.pathEncoded = id !== raw;
    this.taskId = id;
  }

  /** Records how the request was answered, and hands the answer on. */
  answered(answer: MockResponse): MockResponse {
    this.status = answer.drop ? 0 : answer.status;
    this.code = answer.code;
    return answer;
  }
}
