import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeValue } from '../controls/control-bounds.js';
import { loadSpec } from '../validation/spec.js';

/**
 * Cassettes: the request/answer pairs `kling-mock record` writes and `createMockServer({ replay })` serves.
 * One file per recording, `*.cassette.jsonl`, one exchange per line, in the order the answers came. What
 * is written is cleaned first (see `redactJson`): no credentials or tokens, and Base64 images in requests
 * shortened to a placeholder naming their length and hash. Answers are kept as the exact text the target
 * sent, unless cleaning changed them (then `redacted` lists where).
 */
export const CASSETTE_VERSION = 1;
export const CASSETTE_SUFFIX = '.cassette.jsonl';
/** A cassette file larger than this is refused before it is read. */
export const MAX_CASSETTE_BYTES = 256 * 1024 * 1024;

export interface CassetteEntry {
  v: typeof CASSETTE_VERSION;
  /** Position in the recording, from 1. */
  seq: number;
  /** The spec's operationId. */
  operation: string;
  request: {
    method: string;
    /** The path as sent, without the query. */
    path: string;
    /** The query string without `?`, cleaned; empty when there was none. */
    query: string;
    /** The body, when it was JSON: cleaned, Base64 images shortened. */
    body?: unknown;
    /** A body that was not JSON, cleaned and cut to 1,000 characters. */
    bodyText?: string;
  };
  answer: {
    status: number;
    /** Only `content-type` and `retry-after`: what a client reads, never cookies or tracing headers. */
    headers: Record<string, string>;
    /** The answer's text, byte for byte as the target sent it unless `redacted` names changes. */
    body: string;
  };
  /** JSON pointers (into this entry) where credentials or tokens were removed. */
  redacted?: string[];
}

/** Parts of names of fields and query parameters whose values are credentials or tokens. */
const SECRET_NAME_PARTS = new Set([
  'key',
  'apikey',
  'accesskey',
  'secretkey',
  'secret',
  'token',
  'signature',
  'sig',
  'password',
  'passwd',
  'credential',
  'credentials',
  'authorization',
  'auth',
  'cookie',
  'session',
  'ak',
  'sk',
]);
/** JWTs anywhere in a text (three Base64url parts, a JSON header first). */
const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer)\s+[^\s"',;]+/gi;
const BASE64_TEXT = /^[A-Za-z0-9+/\r\n]+={0,2}$/;
const DATA_URL = /^data:[\w.+/-]{1,100};base64,/i;
/** Strings this long or longer that read as Base64 are image payloads. */
const IMAGE_MIN_CHARS = 512;
export const REDACTED = '[redacted]';

/** Whether a field or query parameter name holds a credential or token (`api_key`, `X-Amz-Signature`, `OSSAccessKeyId`). */
export function isSecretName(name: string): boolean {
  const parts = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return parts.some((part) => SECRET_NAME_PARTS.has(part)) || SECRET_NAME_PARTS.has(parts.join(''));
}

export interface CleanOptions {
  /** Replace Base64 images with a placeholder (requests). */
  images?: boolean;
  /** Exact strings never to write, e.g. the credentials a request carried; replaced wherever they occur. */
  secrets?: readonly string[];
}

/** A query parameter anywhere in a text (`?name=value` or `&name=value`). */
const QUERY_PARAMETER = /([?&])([^=&#\s"'<>]{1,200})=([^&#\s"'<>]*)/g;
/** User name and password in a URL anywhere in a text. */
const USERINFO = /(\/\/)[^/@\s"'<>]{1,200}@/g;

/**
 * `text` without JWTs, bearer tokens, URL user names and passwords, values of secret-named query
 * parameters (in any URL inside it) or `secrets`; `undefined` when nothing had to go.
 */
export function scrubText(text: string, secrets: readonly string[] = []): string | undefined {
  let result = text
    .replace(JWT, REDACTED)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(USERINFO, `$1${REDACTED}@`)
    .replace(QUERY_PARAMETER, (whole, separator: string, name: string, value: string) =>
      isSecretName(name) && value !== REDACTED ? `${separator}${name}=${REDACTED}` : whole,
    );
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join(REDACTED);
  return result === text ? undefined : result;
}

/** A URL without user name, password or secret-named query values; `undefined` when it had none. */
function cleanUrl(text: string, field: string | undefined): string | undefined {
  if (!/^https?:\/\//i.test(text) || !URL.canParse(text)) return undefined;
  const url = new URL(text);
  // A callback URL is where the platform will POST, often with a token in its path or query: only its
  // origin says anything worth keeping, and replay matches it by presence alone.
  if (field === 'callback_url')
    return `${url.origin}/${REDACTED}` === text ? undefined : `${url.origin}/${REDACTED}`;
  let changed = false;
  if (url.username || url.password) {
    url.username = '';
    url.password = '';
    changed = true;
  }
  for (const name of new Set(url.searchParams.keys())) {
    if (isSecretName(name) && url.searchParams.getAll(name).some((value) => value !== REDACTED)) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? url.toString() : undefined;
}

/** The placeholder a Base64 image becomes: its length, a hash to tell images apart, and how it starts. */
function shortenedImage(text: string): string {
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return `[Base64 image: ${text.length} characters, sha256 ${hash}, starts ${text.slice(0, 16)}]`;
}

function isImagePayload(text: string): boolean {
  return text.length >= IMAGE_MIN_CHARS && (DATA_URL.test(text) || BASE64_TEXT.test(text.slice(0, 4096)));
}

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * A copy of a JSON value fit to be written to disk: values of secret-named fields become `[redacted]`,
 * JWTs, bearer tokens and `secrets` are cut out of every string, URLs lose user names, passwords and
 * secret-named query values, a `callback_url` keeps only its origin, and (with `images`) Base64 images
 * become a placeholder. `changed` lists the JSON pointers (below `at`) that were redacted; shortened
 * images are not listed, every reader knows the placeholder.
 */
export function cleanJson(
  value: unknown,
  options: CleanOptions = {},
  at = '',
  changed: string[] = [],
  field?: string,
): { value: unknown; changed: string[] } {
  if (typeof value === 'string') {
    if (options.images && isImagePayload(value)) return { value: shortenedImage(value), changed };
    const scrubbed = scrubText(value, options.secrets) ?? value;
    const cleaned = cleanUrl(scrubbed, field) ?? scrubbed;
    if (cleaned !== value) changed.push(at);
    return { value: cleaned, changed };
  }
  if (Array.isArray(value)) {
    return {
      value: value.map((item, index) => cleanJson(item, options, `${at}/${index}`, changed).value),
      changed,
    };
  }
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) {
      const pointer = `${at}/${escapePointer(name)}`;
      if (isSecretName(name) && item !== null && item !== REDACTED) {
        changed.push(pointer);
        Object.defineProperty(copy, name, {
          value: REDACTED,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        continue;
      }
      // defineProperty: a `__proto__` key in parsed JSON stays a field, never a prototype.
      Object.defineProperty(copy, name, {
        value: cleanJson(item, options, pointer, changed, name).value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return { value: copy, changed };
  }
  return { value, changed };
}

/** A query string with secret-named values redacted and tokens cut out; `changed` when anything was. */
export function cleanQuery(
  query: string,
  secrets: readonly string[] = [],
): { query: string; changed: boolean } {
  if (query === '') return { query, changed: false };
  const params = new URLSearchParams(query);
  let changed = false;
  const cleaned = new URLSearchParams();
  for (const [name, value] of params) {
    const next = isSecretName(name) ? REDACTED : (scrubText(value, secrets) ?? value);
    if (next !== value) changed = true;
    cleaned.append(name, next);
  }
  return changed ? { query: cleaned.toString(), changed } : { query, changed };
}

// ----- matching -----

/**
 * The six operations, from the spec's paths: `operationOf('GET', '/v1/images/generations/42')` is
 * `{ operationId: 'getImageGenerationTask', template: '/v1/images/generations/{id}' }`.
 */
export function operationOf(
  method: string,
  path: string,
): { operationId: string; template: string } | undefined {
  for (const { pattern, template, item } of specOperations()) {
    if (!pattern.test(path)) continue;
    const operation = item[method.toLowerCase()];
    return operation ? { operationId: operation.operationId, template } : undefined;
  }
  return undefined;
}

let operationsCache:
  | { pattern: RegExp; template: string; item: Record<string, { operationId: string }> }[]
  | undefined;
function specOperations() {
  operationsCache ??= Object.entries(
    (loadSpec() as unknown as { paths: Record<string, Record<string, { operationId: string }>> }).paths,
  ).map(([template, item]) => ({
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    template,
    item,
  }));
  return operationsCache;
}

/** Ids a replay learns: this run's `external_task_id` -> the recorded one, and back. */
export interface IdMap {
  toRecorded: Map<string, string>;
  toLive: Map<string, string>;
}

/** JSON with sorted keys: two bodies match whatever order their fields came in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/**
 * What a request is matched on: the operation and
 * - for a create, the body cleaned as the recorder writes it, with `external_task_id` and `callback_url`
 *   reduced to whether they are there (both differ on every run);
 * - for a query by id, the id, an `external_task_id` of this run read as the recorded one it stands for;
 * - for a list, the query parameters in any order, `external_task_id` mapped the same way.
 * Credentials never count: the recorder writes none, and a replay answers whoever asks.
 */
export function matchKey(
  operation: string,
  template: string,
  request: { path: string; query: string; body?: unknown; bodyText?: string | undefined },
  ids?: IdMap,
): string {
  const recorded = (id: string) => ids?.toRecorded.get(id) ?? id;
  if (template.endsWith('}')) {
    const raw = request.path.slice(request.path.lastIndexOf('/') + 1);
    let id = raw;
    try {
      id = decodeURIComponent(raw);
    } catch {}
    return `${operation} ${JSON.stringify(recorded(id))}`;
  }
  if (request.body !== undefined || request.bodyText !== undefined) {
    if (request.body === undefined) return `${operation} text:${request.bodyText}`;
    const body = cleanJson(request.body, { images: true }).value;
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const fields = body as Record<string, unknown>;
      if ('external_task_id' in fields) fields.external_task_id = '<external_task_id>';
      if ('callback_url' in fields) fields.callback_url = '<callback_url>';
    }
    return `${operation} ${canonical(body)}`;
  }
  const params = [...new URLSearchParams(cleanQuery(request.query).query)]
    .map(([name, value]) => [name, name === 'external_task_id' ? recorded(value) : value])
    .sort(([a], [b]) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0));
  return `${operation} ${JSON.stringify(params)}`;
}

// ----- reading -----

export interface LoadedEntry {
  entry: CassetteEntry;
  /** `file.cassette.jsonl#seq`, for the `x-kling-mock-replay` header and messages. */
  source: string;
}

/**
 * The entries of a cassette file, or of every `*.cassette.jsonl` in a directory (in name order, each
 * file's entries in its order). Every line is checked: a bad one is a RangeError naming the file, the line
 * and the field.
 */
export function readCassettes(path: string): LoadedEntry[] {
  let files: string[];
  try {
    files = statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith(CASSETTE_SUFFIX))
          .sort()
          .map((name) => join(path, name))
      : [path];
  } catch (error) {
    throw new RangeError(`replay: cannot read ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
  if (files.length === 0)
    throw new RangeError(`replay: ${JSON.stringify(path)} holds no ${CASSETTE_SUFFIX} files`);
  return files.flatMap((file) => {
    const { size } = statSync(file);
    if (size > MAX_CASSETTE_BYTES)
      throw new RangeError(
        `replay: ${JSON.stringify(file)} is ${size} bytes; a cassette may be at most ${MAX_CASSETTE_BYTES} bytes (256 MiB)`,
      );
    // The name goes into a response header: visible ASCII only.
    const name = basename(file).replace(/[^\x21-\x7e]/g, '_');
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((line, index) => ({ line, index }))
      .filter(({ line }) => line.trim() !== '')
      .map(({ line, index }) => {
        const where = `replay: ${name} line ${index + 1}`;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch (error) {
          throw new RangeError(`${where} is not JSON (${(error as Error).message.slice(0, 100)})`);
        }
        const entry = checkedEntry(parsed, where);
        return { entry, source: `${name}#${entry.seq}` };
      });
  });
}

const MAX_PATH_CHARS = 2048;
const MAX_QUERY_CHARS = 8192;

/** `value` as a cassette entry, or a RangeError naming the field (`where` says which file and line). */
export function checkedEntry(value: unknown, where = 'replay entry'): CassetteEntry {
  const fail = (field: string, what: string, got: unknown): never => {
    throw new RangeError(`${where}: ${field} must be ${what}; got ${describeValue(got)}`);
  };
  const object = (field: string, got: unknown) =>
    typeof got === 'object' && got !== null && !Array.isArray(got)
      ? (got as Record<string, unknown>)
      : fail(field, 'an object', got);
  const entry = object('the entry', value);
  if (entry.v !== CASSETTE_VERSION)
    fail('v', `${CASSETTE_VERSION} (the cassette format this mock reads)`, entry.v);
  if (!Number.isSafeInteger(entry.seq) || (entry.seq as number) < 1)
    fail('seq', 'a whole number >= 1', entry.seq);
  if (typeof entry.operation !== 'string') fail('operation', 'an operationId of the spec', entry.operation);
  const request = object('request', entry.request);
  const answer = object('answer', entry.answer);
  if (typeof request.method !== 'string' || !/^[A-Z]{1,10}$/.test(request.method))
    fail('request.method', 'an HTTP method in capitals', request.method);
  if (
    typeof request.path !== 'string' ||
    !request.path.startsWith('/') ||
    request.path.length > MAX_PATH_CHARS
  )
    fail('request.path', `a path starting with / of at most ${MAX_PATH_CHARS} characters`, request.path);
  if (typeof request.query !== 'string' || request.query.length > MAX_QUERY_CHARS)
    fail('request.query', `a query string of at most ${MAX_QUERY_CHARS} characters`, request.query);
  if (request.bodyText !== undefined && typeof request.bodyText !== 'string')
    fail('request.bodyText', 'a string', request.bodyText);
  const found = operationOf(request.method as string, request.path as string);
  if (found?.operationId !== entry.operation)
    fail(
      'operation',
      `the operationId of ${request.method} ${String(request.path).slice(0, 100)} (${found?.operationId ?? 'none: the spec has no such operation'})`,
      entry.operation,
    );
  if (!Number.isInteger(answer.status) || (answer.status as number) < 100 || (answer.status as number) > 599)
    fail('answer.status', 'an HTTP status from 100 to 599', answer.status);
  const headers = object('answer.headers', answer.headers);
  for (const [name, header] of Object.entries(headers))
    if (typeof header !== 'string' || /[\r\n]/.test(header))
      fail(`answer.headers.${name}`, 'a one-line string', header);
  if (typeof answer.body !== 'string') fail('answer.body', 'a string', answer.body);
  return value as CassetteEntry;
}
