import { checkFields, describeValue } from '../controls/control-bounds.js';
import type { MockRequest, MockResponse } from '../http/mock-request.js';
import type { Answer } from '../pipeline/stages.js';
import { loadSpec } from '../validation/spec.js';

/**
 * Answers that break the spec on purpose, for testing a drift recorder (`kling-mock record`) without the
 * live API: a mock with drift stands in for a platform whose answers no longer match the spec. Every task
 * object in a successful answer of the six operations (`data` of a create or query, each item of a list)
 * is changed; callbacks and error answers are not. Nothing else in the mock reads this: it is a test of
 * the tools that watch the API, not a behaviour of the API.
 */
export interface AnswerDrift {
  /** Fields set on every task object, e.g. `{ queue_position: 3 }`: undocumented fields (or wrong values). */
  addFields?: Record<string, unknown>;
  /** Task fields sent as strings of their values, e.g. `['created_at']`: a wrong type. */
  stringFields?: string[];
  /** Task fields left out, e.g. `['updated_at']`: a missing required field. */
  dropFields?: string[];
  /** Statuses sent under another name, e.g. `{ processing: 'queueing' }`: an unknown status. */
  statusNames?: Record<string, string>;
}

/** What `configure` takes: a drift, or `null` to answer by the spec again. */
export type AnswerDriftChange = AnswerDrift | null;

/** The drift in force; the controls replace `current`, the API stage reads it on every answer. */
export interface DriftSetting {
  current: AnswerDrift | undefined;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Names that would reach an object's prototype rather than a field of it. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_FIELDS = 32;
/** Bytes of `addFields` as JSON: enough for any test value, never a way to grow every answer by megabytes. */
const MAX_ADDED_BYTES = 4096;
const STATUS_NAME = /^[\x20-\x7e]{1,64}$/;

function checkedFieldName(field: string, name: unknown): string {
  if (typeof name !== 'string' || !FIELD_NAME.test(name) || PROTOTYPE_KEYS.has(name))
    throw new RangeError(
      `${field} must be a field name (a letter or _, then letters, digits or _, at most 64; not __proto__, constructor or prototype); got ${describeValue(name)}`,
    );
  return name;
}

function checkedNames(field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_FIELDS)
    throw new RangeError(
      `${field} must be an array of at most ${MAX_FIELDS} field names; got ${describeValue(value)}`,
    );
  return value.map((name, index) => checkedFieldName(`${field}[${index}]`, name));
}

/**
 * `value` as a drift (a copy), or a RangeError naming the field and what it takes: field names only,
 * at most 32 of each, added values 4 KiB of JSON in all, and statuses the spec knows renamed to 1 to 64
 * visible ASCII characters.
 */
export function checkedDrift(value: unknown): AnswerDrift {
  const fields = checkFields('drift', value, ['addFields', 'stringFields', 'dropFields', 'statusNames']);
  const drift: AnswerDrift = {};
  if (fields.addFields !== undefined) {
    const added = checkFields('drift.addFields', fields.addFields, Object.keys(fields.addFields as object));
    const names = Object.keys(added);
    if (names.length > MAX_FIELDS)
      throw new RangeError(`drift.addFields may set at most ${MAX_FIELDS} fields; got ${names.length}`);
    for (const name of names)
      checkedFieldName(`drift.addFields name ${JSON.stringify(name.slice(0, 70))}`, name);
    let json: string | undefined;
    try {
      json = JSON.stringify(added);
    } catch {}
    if (json === undefined || Buffer.byteLength(json) > MAX_ADDED_BYTES)
      throw new RangeError(`drift.addFields must be JSON of at most ${MAX_ADDED_BYTES} bytes`);
    drift.addFields = JSON.parse(json) as Record<string, unknown>;
  }
  if (fields.stringFields !== undefined)
    drift.stringFields = checkedNames('drift.stringFields', fields.stringFields);
  if (fields.dropFields !== undefined) drift.dropFields = checkedNames('drift.dropFields', fields.dropFields);
  if (fields.statusNames !== undefined) {
    const statuses = taskStatuses();
    const renamed = checkFields('drift.statusNames', fields.statusNames, statuses);
    drift.statusNames = {};
    for (const [status, name] of Object.entries(renamed)) {
      if (typeof name !== 'string' || !STATUS_NAME.test(name))
        throw new RangeError(
          `drift.statusNames.${status} must be 1 to 64 visible ASCII characters; got ${describeValue(name)}`,
        );
      drift.statusNames[status] = name;
    }
  }
  return drift;
}

/** The statuses the spec knows (`TaskStatus`): only those can be renamed. */
function taskStatuses(): string[] {
  return (loadSpec().components.schemas.TaskStatus?.enum ?? []) as string[];
}

/**
 * The API stage with the drift in force applied to its successful answers. Costs nothing while no drift is
 * set; with one, each successful answer is parsed, changed and serialized again.
 */
export function withAnswerDrift<Call>(
  api: (request: MockRequest, call: Call) => Answer,
  setting: DriftSetting,
): (request: MockRequest, call: Call) => Answer {
  return function driftedApi(request, call) {
    const answer = api(request, call);
    const drift = setting.current;
    if (drift === undefined) return answer;
    return answer instanceof Promise
      ? answer.then((settled) => drifted(settled, drift))
      : drifted(answer, drift);
  };
}

function drifted(answer: MockResponse, drift: AnswerDrift): MockResponse {
  if (answer.status !== 200 || answer.drop) return answer;
  const envelope = JSON.parse(answer.body.toString()) as { code?: unknown; data?: unknown };
  if (envelope.code !== 0 || typeof envelope.data !== 'object' || envelope.data === null) return answer;
  const tasks = Array.isArray(envelope.data) ? envelope.data : [envelope.data];
  for (const task of tasks as Record<string, unknown>[]) driftTask(task, drift);
  return { ...answer, body: JSON.stringify(envelope) };
}

function driftTask(task: Record<string, unknown>, drift: AnswerDrift): void {
  for (const [name, value] of Object.entries(drift.addFields ?? {})) task[name] = structuredClone(value);
  for (const name of drift.stringFields ?? []) {
    if (Object.hasOwn(task, name))
      task[name] = typeof task[name] === 'string' ? task[name] : JSON.stringify(task[name]);
  }
  for (const name of drift.dropFields ?? []) delete task[name];
  const status = task.task_status;
  if (typeof status === 'string' && drift.statusNames && Object.hasOwn(drift.statusNames, status))
    task.task_status = drift.statusNames[status];
}
