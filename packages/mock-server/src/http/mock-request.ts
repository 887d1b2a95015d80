/**
 * The mock's own request and response shapes. Both front doors (the WHATWG fetch handler and the node:http
 * listener) convert to and from these, so the hot path builds no WHATWG Request/Response objects over HTTP.
 */
export interface MockRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  header(name: string): string | null;
  /**
   * The raw body, or `undefined` when it exceeded the size limit: the door's own, or `limit` bytes when
   * given (the controls take far less than a create). Read once; later calls get the first result.
   */
  body(limit?: number): Promise<Buffer | undefined>;
  /** `http://host:port` as the client reached the mock; result URLs are built on it. */
  origin: string;
}

export interface MockResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  /** The business code in an API answer's envelope (0 for success), so no one parses the body to learn it. */
  code?: number;
  /** An injected fault: send nothing and drop the connection, as a crashed upstream or a reset would. */
  drop?: true;
}

/** The answer for an injected dropped connection; status and body are never sent. */
export const DROPPED_CONNECTION: MockResponse = { status: 0, headers: {}, body: '', drop: true };
