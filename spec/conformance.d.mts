/** A response that breaks the spec's contract for its operation. */
export interface Violation {
  method: string;
  path: string;
  status: number;
  problem: string;
  /** In strict mode: each problem on its own. */
  problems?: Problem[];
}

/** One way an exchange breaks the spec (strict mode). */
export interface Problem {
  /**
   * Where, as a JSON pointer into the exchange: `/body/...` (the JSON body), `/query/<name>`, `/path/<name>`,
   * `/headers/<name>` or `/status`.
   */
  pointer: string;
  /** The rule broken: a JSON Schema keyword (`enum`, `type`, `required`, `unevaluatedProperties`, ...), `status`, `security`, `parameters`, `content-type`, `json`, or `x-kling-rule <id>`. */
  rule: string;
  /** What the spec says, e.g. `one of "submitted", "processing", "succeed", "failed"`. */
  expected: string;
  /** What was seen, as JSON cut to 120 characters (`absent` when missing); credentials are never shown. */
  seen: string;
  /** Where the rule lives in the bundled spec, e.g. `#/components/schemas/TaskStatus/enum`. */
  spec: string;
}

/** A request that breaks the spec (strict mode). */
export interface RequestViolation {
  method: string;
  path: string;
  operationId: string;
  problem: string;
  problems: Problem[];
}

export interface CheckOptions {
  /**
   * Also report fields the spec does not name (every object schema of the answer read with
   * `additionalProperties: false`), and list each problem with its pointer, expectation and spec location
   * in `problems`.
   */
  strict?: boolean;
}

/** Checks one answer: undefined when the status is declared and the body matches its schema. */
export declare function checkResponse(
  method: string,
  path: string,
  status: number,
  body: unknown,
  options?: CheckOptions,
): Violation | undefined;

/**
 * Checks one request strictly: the Authorization header (only whether it reads `Bearer <token>`), path and
 * query parameters (undocumented ones too), the content type and the raw body against the request schema.
 * Undefined when it conforms, or when the spec has no such operation.
 */
export declare function checkRequest(
  method: string,
  path: string,
  request?: {
    query?: string | URLSearchParams | Record<string, string>;
    authorization?: string | null;
    contentType?: string | null;
    body?: string;
  },
): RequestViolation | undefined;

/** The spec's operation for a method and a concrete path, e.g. `GET /v1/images/generations/42`. */
export declare function findOperation(
  method: string,
  path: string,
): { operationId: string; method: string; template: string } | undefined;

/** A value as strict problems show it: JSON, unsafe characters escaped, cut to 120 characters. */
export declare function showValue(value: unknown): string;

/** Wraps a fetch so that every API answer it returns is checked; violations are pushed to `violations`. */
export declare function conformingFetch(
  fetch: (request: Request) => Promise<Response>,
  violations: Violation[],
): (request: Request) => Promise<Response>;
