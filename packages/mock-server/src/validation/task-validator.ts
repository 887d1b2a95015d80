import type { TaskFamily } from '@klingkit/client';
import { TASK_SCHEMAS } from '@klingkit/client/spec-facts';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describeValue } from '../controls/control-bounds.js';
import { loadSpec, type OpenApiDocument } from './spec.js';

// ajv-formats is CommonJS with a default export; under NodeNext its namespace arrives as `default`.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A task object the spec refuses: the field (`task_status_msg`) and what is wrong with it. */
export interface TaskProblem {
  field: string;
  message: string;
}

/**
 * Checks task objects against the spec's task schemas (`ImageGenerationTask`, `OmniImageTask`), as the
 * API would answer them. Only seeding needs it, so it lives apart from the request validator and is loaded
 * (and compiled) on a mock's first seed, never at start-up.
 */
export function createTaskValidator(spec: OpenApiDocument = loadSpec()) {
  const ajv = new Ajv2020({ strict: false, allErrors: false, verbose: true });
  addFormats(ajv);
  ajv.addSchema(spec as object, 'openapi.json');
  const validators = Object.fromEntries(
    Object.entries(TASK_SCHEMAS).map(([family, { task }]) => [
      family,
      ajv.compile({ $ref: `openapi.json#/components/schemas/${task}` }),
    ]),
  ) as Record<TaskFamily, ValidateFunction>;
  return function checkTask(family: TaskFamily, task: unknown): TaskProblem | undefined {
    const validate = validators[family];
    if (validate(task)) return undefined;
    return describe((validate.errors ?? [])[0] as ErrorObject);
  };
}

export type TaskValidator = ReturnType<typeof createTaskValidator>;

function describe(error: ErrorObject): TaskProblem {
  const field =
    error.instancePath
      .split('/')
      .slice(1)
      .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`))
      .join('')
      .replace(/^\./, '') || 'task';
  const params = error.params as Record<string, unknown>;
  const got = `; got ${describeValue(error.data)}`;
  switch (error.keyword) {
    case 'enum':
      return { field, message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}${got}` };
    case 'type':
      return {
        field,
        message: `must be ${params.type === 'integer' ? 'an integer' : `a ${params.type}`}${got}`,
      };
    case 'pattern':
      return { field, message: `must match ${params.pattern}${got}` };
    case 'maxLength':
    case 'minLength':
      return {
        field,
        message: `${error.message ?? 'has the wrong length'} (got ${String(error.data).length} characters)`,
      };
    default:
      return { field, message: `${error.message ?? 'is invalid'}${got}` };
  }
}
