import { KlingError } from '../core/errors.js';

/**
 * Why a download failed:
 * - `task`: the task's result lists are not arrays of objects;
 * - `file-name`: the task id or an image `index` cannot name a file (or two results would share a name);
 * - `url`: the URL is not a string, not an absolute URL, or carries credentials;
 * - `scheme`: the URL, or a redirect target, is not `http:`/`https:` (nothing is fetched);
 * - `redirect`: more redirects than `maxRedirects`, or a redirect without a usable `Location`;
 * - `status`: the server answered, but not with a 2xx (`status` holds it);
 * - `content-type`: the answer does not declare `image/png`, `image/jpeg` or `image/webp`;
 * - `too-large`: the declared or streamed size passed `maxBytes`;
 * - `timeout`: no byte for `idleTimeoutMs`, or the file not complete after `timeoutMs`;
 * - `connection`: no answer, or the body broke off;
 * - `write`: the file could not be written.
 */
export type KlingDownloadErrorReason =
  | 'task'
  | 'file-name'
  | 'url'
  | 'scheme'
  | 'redirect'
  | 'status'
  | 'content-type'
  | 'too-large'
  | 'timeout'
  | 'connection'
  | 'write';

export interface KlingDownloadErrorInit {
  reason: KlingDownloadErrorReason;
  /** The result URL as the task gave it (a redirect hop it failed on is named in the message). */
  url?: string | undefined;
  status?: number | undefined;
  cause?: unknown;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Every failure of `downloadImages` (not a cancel by the caller's signal, which is a `KlingAbortError` as
 * everywhere in the client). No file is left behind for the image that failed.
 */
export class KlingDownloadError extends KlingError {
  override readonly name = 'KlingDownloadError';
  readonly reason: KlingDownloadErrorReason;
  readonly url: string | undefined;
  /** The HTTP status when the server answered (`reason` `status`, `content-type`, `too-large`, `redirect`). */
  readonly status: number | undefined;
  /** Whether the same download may succeed later: timeouts, lost connections, 408/425/429/5xx. */
  readonly retryable: boolean;

  constructor(message: string, { reason, url, status, cause }: KlingDownloadErrorInit) {
    super(message, cause === undefined ? undefined : { cause });
    this.reason = reason;
    this.url = url;
    this.status = status;
    this.retryable =
      reason === 'timeout' ||
      reason === 'connection' ||
      (reason === 'status' && status !== undefined && RETRYABLE_STATUS.has(status));
  }
}

/** Characters a terminal or log viewer may act on that `JSON.stringify` leaves as they are (C1 controls, bidi, separators). */
const UNPRINTABLE =
  /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]/g;

/**
 * Server data quoted for an error message: strings JSON-quoted with every control character escaped and
 * cut to `max` characters, other values by kind, so no message carries an escape sequence or a megabyte.
 */
export function describeValue(value: unknown, max = 80): string {
  if (typeof value === 'string') {
    const cut = value.length > max ? `${value.slice(0, max)}...` : value;
    return JSON.stringify(cut).replace(
      UNPRINTABLE,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`;
}
