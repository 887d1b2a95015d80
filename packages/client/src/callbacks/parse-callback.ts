import spec from '@klingkit/spec/openapi.json' with { type: 'json' };
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { KlingError } from '../core/errors.js';
import type { ImageGenerationTask, OmniImageTask } from '../generated/schema.js';
import type { TaskFamily, TaskOf } from '../lib/tasks.js';
import { TASK_SCHEMAS } from '../spec-facts/task-schemas.js';

/**
 * Why a delivery was refused; `createCallbackHandler` answers each with its own status: `invalid` 400,
 * `too-large` 413, `content-type` 415, `timeout` 408 (the body did not arrive in time), `unknown-task` 404
 * (with `verify`, the API has no such task for this account), `unverified` 503 (with `verify`, the API could
 * not be asked; the sender should try again).
 */
export type KlingCallbackRefusal =
  | 'invalid'
  | 'too-large'
  | 'content-type'
  | 'timeout'
  | 'unknown-task'
  | 'unverified';

/** At most this many problems are spelled out in a message, each at most MAX_PROBLEM_CHARS long. */
const MAX_PROBLEMS_SHOWN = 5;
const MAX_PROBLEM_CHARS = 200;

/**
 * A callback delivery that is not a task object of the spec. Answer the sender with 4xx (or ignore it);
 * the task's real state is always one query away. The message stays short whatever the body held: the first
 * few problems, each shortened, and how many more there were.
 */
export class KlingCallbackError extends KlingError {
  override readonly name = 'KlingCallbackError';
  /** The first few problems, each as `<json pointer>: <what is wrong>`, shortened and with control characters escaped. */
  readonly problems: string[];
  /**
   * How many problems there were in all (each array read up to its first 64 items); `problems` holds the first
   * few of them.
   */
  readonly problemCount: number;
  readonly reason: KlingCallbackRefusal;
  constructor(
    message: string,
    problems: string[] = [],
    { reason = 'invalid', cause }: { reason?: KlingCallbackRefusal; cause?: unknown } = {},
  ) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).map((problem) => shorten(printable(problem)));
    const more = problems.length - shown.length;
    super(shown.length ? `${message}: ${shown.join('; ')}${more ? `; and ${more} more` : ''}` : message, {
      cause,
    });
    this.problems = shown;
    this.problemCount = problems.length;
    this.reason = reason;
  }
}

export type ParsedCallback =
  | { family: 'generations'; task: ImageGenerationTask }
  | { family: 'omni'; task: OmniImageTask };

export interface ParseCallbackOptions {
  /** Parse as this family; by default an Omni-Image task is recognised by `task_result`. */
  family?: TaskFamily | undefined;
  /**
   * Largest body accepted, in bytes: of a string or bytes as given, of an already parsed value as its JSON
   * would be. Default 1 MiB ({@link MAX_CALLBACK_BYTES}); a task object is a few kB.
   */
  maxBytes?: number | undefined;
}

/** The default largest callback body: 1 MiB, hundreds of times a real task object. */
export const MAX_CALLBACK_BYTES = 1024 * 1024;
/** Deeper than this, a value is not a task object (whose deepest field is 4 levels down). */
const MAX_DEPTH = 32;
/** Keys that reach a prototype when a task is merged into another object naively; no task field has them. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Per family: a validator that stops at the first error (the common, valid case) and one that lists them all. */
type Validators = Record<TaskFamily, { first: ValidateFunction; all: ValidateFunction }>;
let validators: Validators | undefined;
/**
 * The all-errors pass reads arrays up to this many items. Ajv copies its error list at every referenced schema,
 * so listing the errors of thousands of bad items costs time quadratic in their number (seconds for 1 MiB);
 * 64 is more than any `maxItems` of a task, so a too-long array is still named.
 */
const DIAGNOSED_ITEMS = 64;

function getValidators(): Validators {
  if (!validators) {
    // OpenAPI keywords such as `example` and `x-*` are annotations here, hence strict: false. The spec says
    // what a URL and an id look like with patterns and lengths, so no format plugin is needed.
    const load = (allErrors: boolean) => {
      const ajv = new Ajv2020({ strict: false, allErrors, validateFormats: false });
      ajv.addSchema(spec as object, 'openapi.json');
      return (name: string) => ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` });
    };
    const first = load(false);
    const all = load(true);
    const pair = (name: string) => ({ first: first(name), all: all(name) });
    validators = Object.fromEntries(
      Object.entries(TASK_SCHEMAS).map(([family, { task }]) => [family, pair(task)]),
    ) as Validators;
  }
  return validators;
}

/**
 * Validates one callback delivery against the spec and returns the typed task. Accepts the bare task object
 * (what the platform documents), the same wrapped in the `{code, message, request_id, data}` envelope (seen
 * in some write-ups), as a value a framework already parsed, a JSON string or raw bytes.
 *
 * Whatever the body, this stays bounded: strings and bytes over `maxBytes` are refused before parsing, and a
 * parsed value is copied field by field into plain objects (no getters, no prototypes) within the same byte
 * budget and 32 levels of nesting; keys such as `__proto__` and `constructor` are refused. The spec bounds
 * the task's own fields (ids, http(s) URLs, at most 9 images). The task returned is that copy.
 *
 * Deliveries are at-least-once and may arrive out of order, and anyone who knows the URL can post one: compare
 * `updated_at` with what you stored, and treat a query (or `createCallbackHandler`'s `verify`) as the source
 * of truth. Without `family`, an Omni-Image task is recognised by `task_result.result_type`.
 */
export function parseCallback<F extends TaskFamily>(
  body: unknown,
  options: ParseCallbackOptions & { family: F },
): { family: F; task: TaskOf<F> };
export function parseCallback(body: unknown, options?: ParseCallbackOptions): ParsedCallback;
export function parseCallback(body: unknown, options: ParseCallbackOptions = {}): ParsedCallback {
  const maxBytes = options.maxBytes ?? MAX_CALLBACK_BYTES;
  let task: unknown;
  try {
    // Text was measured exactly before parsing; a parsed value is measured while it is copied.
    const raw = typeof body === 'string' || body instanceof Uint8Array;
    task = unwrap(copyBounded(readJson(body, maxBytes), raw ? Number.POSITIVE_INFINITY : maxBytes));
  } catch (error) {
    // A getter or proxy in a framework's value may throw anything; the sender made the mistake either way.
    if (error instanceof KlingCallbackError) throw error;
    throw new KlingCallbackError(`Callback body could not be read: ${shorten(printable(String(error)))}`);
  }
  const family = options.family ?? guessFamily(task);
  const { first, all } = getValidators()[family];
  if (!first(task)) {
    const firstErrors = first.errors;
    const errors = all(cutArrays(task)) ? firstErrors : all.errors;
    throw new KlingCallbackError(
      `Callback body is not a valid ${TASK_SCHEMAS[family].task}`,
      describe(errors),
    );
  }
  return { family, task } as ParsedCallback;
}

function readJson(body: unknown, maxBytes: number): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  // A string has at least as many UTF-8 bytes as UTF-16 units, so its length is a lower bound.
  const size = typeof body === 'string' ? body.length : body.byteLength;
  if (size > maxBytes) throw tooLarge(maxBytes);
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  try {
    return JSON.parse(text);
  } catch {
    throw new KlingCallbackError(`Callback body is not JSON (starts with ${preview(text)})`);
  }
}

function tooLarge(maxBytes: number): KlingCallbackError {
  return new KlingCallbackError(`Callback body exceeds ${maxBytes} bytes`, [], { reason: 'too-large' });
}

/**
 * A copy of `value` made only of JSON data in plain objects and arrays, refused once its JSON would exceed
 * `maxBytes` (counted roughly: a few bytes per value and key, each string's length), once it nests deeper than
 * MAX_DEPTH, or when a key could reach a prototype. Undefined properties are left out, as JSON.stringify does.
 */
function copyBounded(value: unknown, maxBytes: number): unknown {
  let budget = maxBytes;
  const spend = (bytes: number) => {
    budget -= bytes;
    if (budget < 0) throw tooLarge(maxBytes);
  };
  const refuse = (path: string, problem: string) =>
    new KlingCallbackError('Callback body is not a task object', [`${path || '/'}: ${problem}`]);
  const copy = (item: unknown, path: string, depth: number): unknown => {
    if (typeof item === 'string') {
      spend(item.length + 3);
      return item;
    }
    if (item === null || typeof item === 'boolean') {
      spend(5);
      return item;
    }
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) throw refuse(path, `${item} is not a JSON number`);
      spend(8);
      return item;
    }
    if (typeof item !== 'object') throw refuse(path, `a ${typeof item} is not JSON data`);
    if (depth >= MAX_DEPTH) throw refuse(path, `nests deeper than ${MAX_DEPTH} levels`);
    spend(2);
    if (Array.isArray(item)) {
      const copied: unknown[] = [];
      // Counted per element before it is read: a sparse array of a billion slots ends at the budget.
      for (let index = 0; index < item.length; index++) {
        spend(1);
        // A hole or undefined element is null in JSON, as JSON.stringify writes it.
        copied.push(copy(item[index] ?? null, `${path}/${index}`, depth + 1));
      }
      return copied;
    }
    const prototype = Object.getPrototypeOf(item);
    if (prototype !== Object.prototype && prototype !== null) {
      throw refuse(path, 'is not a plain object');
    }
    const copied: Record<string, unknown> = {};
    for (const key of Object.keys(item)) {
      const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (PROTOTYPE_KEYS.has(key)) throw refuse(at, 'this key could reach a prototype; refused');
      const field = (item as Record<string, unknown>)[key];
      if (field === undefined) continue;
      spend(key.length + 4);
      copied[key] = copy(field, at, depth + 1);
    }
    return copied;
  };
  return copy(value, '', 0);
}

/** `value` with every array cut to its first DIAGNOSED_ITEMS items (values are plain copies, at most 32 deep). */
function cutArrays(value: unknown): unknown {
  if (Array.isArray(value)) return value.slice(0, DIAGNOSED_ITEMS).map(cutArrays);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, cutArrays(field)]));
}

function unwrap(value: unknown): unknown {
  const object = requireObject(value);
  if (!('data' in object && 'code' in object)) return object;
  if (object.code !== 0)
    throw new KlingCallbackError(`Enveloped callback carries code ${preview(object.code)}, not 0`);
  return requireObject(object.data);
}

function requireObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
    throw new KlingCallbackError(`Callback body must be a JSON object; got ${got}`);
  }
  return value as Record<string, unknown>;
}

function guessFamily(task: unknown): TaskFamily {
  const result = (task as { task_result?: unknown }).task_result;
  return typeof result === 'object' &&
    result !== null &&
    ('result_type' in result || 'series_images' in result)
    ? 'omni'
    : 'generations';
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? 'is invalid'}`);
}

/** The first characters of a value as JSON, to name it in a message without repeating it whole. */
function preview(value: unknown): string {
  const head = typeof value === 'string' ? value.slice(0, 40) : value;
  return shorten(printable(JSON.stringify(head) ?? String(head)), 40);
}

function shorten(text: string, max = MAX_PROBLEM_CHARS): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Control characters, a terminal's escape sequences among them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` with control characters as `\u` escapes, so that logs show them inert. */
function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
