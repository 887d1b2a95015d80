import spec from '@klingkit/spec/openapi.json' with { type: 'json' };
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { KlingError } from '../core/errors.js';
import type { ImageGenerationTask, OmniImageTask } from '../generated/schema.js';
import type { TaskFamily, TaskOf } from '../lib/tasks.js';

/**
 * A callback delivery that is not a task object of the spec. Answer the sender with 4xx (or ignore it);
 * the task's real state is always one query away.
 */
export class KlingCallbackError extends KlingError {
  override readonly name = 'KlingCallbackError';
  /** Each problem as `<json pointer>: <what is wrong>`. */
  readonly problems: string[];
  constructor(message: string, problems: string[] = []) {
    super(problems.length ? `${message}: ${problems.join('; ')}` : message);
    this.problems = problems;
  }
}

export type ParsedCallback =
  | { family: 'generations'; task: ImageGenerationTask }
  | { family: 'omni'; task: OmniImageTask };

const SCHEMA_NAMES: Record<TaskFamily, string> = {
  generations: 'ImageGenerationTask',
  omni: 'OmniImageTask',
};
let validators: Record<TaskFamily, ValidateFunction> | undefined;

function getValidators(): Record<TaskFamily, ValidateFunction> {
  if (!validators) {
    // OpenAPI keywords such as `example` and `x-*` are annotations here, hence strict: false.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema(spec as object, 'openapi.json');
    const compile = (name: string) => ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` });
    validators = { generations: compile(SCHEMA_NAMES.generations), omni: compile(SCHEMA_NAMES.omni) };
  }
  return validators;
}

/**
 * Validates one callback delivery against the spec and returns the typed task. Accepts the bare task object
 * (what the platform documents), the same wrapped in the `{code, message, request_id, data}` envelope (seen
 * in some write-ups), as a parsed object, a JSON string or raw bytes. Deliveries are at-least-once and may
 * arrive out of order: compare `updated_at` with what you stored, and treat a query as the source of truth.
 * Without `family`, an Omni-Image task is recognised by `task_result.result_type`.
 */
export function parseCallback<F extends TaskFamily>(
  body: unknown,
  options: { family: F },
): { family: F; task: TaskOf<F> };
export function parseCallback(body: unknown, options?: { family?: TaskFamily }): ParsedCallback;
export function parseCallback(body: unknown, options: { family?: TaskFamily } = {}): ParsedCallback {
  const task = unwrap(readJson(body));
  const family = options.family ?? guessFamily(task);
  const validate = getValidators()[family];
  if (!validate(task)) {
    throw new KlingCallbackError(
      `Callback body is not a valid ${SCHEMA_NAMES[family]}`,
      describe(validate.errors),
    );
  }
  return { family, task } as ParsedCallback;
}

function readJson(body: unknown): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  try {
    return JSON.parse(text);
  } catch {
    throw new KlingCallbackError(
      `Callback body is not JSON (starts with ${JSON.stringify(text.slice(0, 40))})`,
    );
  }
}

function unwrap(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KlingCallbackError(
      `Callback body must be a JSON object; got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  if (!('data' in value && 'code' in value)) return value;
  const envelope = value as { code: unknown; data: unknown };
  if (envelope.code !== 0)
    throw new KlingCallbackError(`Enveloped callback carries code ${String(envelope.code)}, not 0`);
  return envelope.data;
}

function guessFamily(task: unknown): TaskFamily {
  const result = (task as { task_result?: { result_type?: unknown; series_images?: unknown } }).task_result;
  return result && ('result_type' in result || 'series_images' in result) ? 'omni' : 'generations';
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message ?? 'is invalid'}`);
}
