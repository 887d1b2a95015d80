/** A response that breaks the spec's contract for its operation. */
export interface Violation {
  method: string;
  path: string;
  status: number;
  problem: string;
}

/** Checks one answer: undefined when the status is declared and the body matches its schema. */
export declare function checkResponse(
  method: string,
  path: string,
  status: number,
  body: unknown,
): Violation | undefined;

/** Wraps a fetch so that every API answer it returns is checked; violations are pushed to `violations`. */
export declare function conformingFetch(
  fetch: (request: Request) => Promise<Response>,
  violations: Violation[],
): (request: Request) => Promise<Response>;
