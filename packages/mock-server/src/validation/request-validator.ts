import type { TaskFamily } from '@klingkit/client';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { requestFields } from '../store/task-record.js';
import { type CompiledSchemas, LIST_PARAMETERS, REQUEST_SCHEMAS } from './compiled-schemas.js';
import { checkImageInput } from './image-input.js';
import { type RequestDefaults, requestDefaults } from './request-defaults.js';
import {
  type ImageConstraints,
  type KlingCheck,
  type KlingRule,
  type OpenApiDocument,
  resolveRef,
  type SchemaObject,
} from './spec.js';

/** A refused request: the business code (1201, or a field's `x-kling-error-code`), the field, and why. */
export interface ValidationFailure {
  code: number;
  field: string;
  message: string;
}

interface CompiledRequest {
  validate: ValidateFunction;
  /** Same schema, all errors: run only on failure, to report a field's own error before a cross-field rule. */
  explain: ValidateFunction;
  schema: SchemaObject;
  checks: KlingCheck[];
  /** The schema's defaults, for `requestFields`. */
  defaults: RequestDefaults;
  /** Paths of image inputs, `*` standing for every array item. */
  images: { path: string[]; limits: ImageConstraints }[];
}

/**
 * Validates create bodies and list queries against the bundled spec. Everything comes from the spec: the
 * JSON Schemas (compiled by Ajv, at build time when the mock runs from its build: see compiled-schemas.ts),
 * the messages of cross-field rules (`x-kling-rule`), the rules JSON Schema cannot express
 * (`x-kling-checks`), image limits (`x-kling-image`) and error codes (`x-kling-error-code`). No rule is
 * written here a second time. `schemas` are the compiled validators of this spec.
 */
export function createRequestValidator(spec: OpenApiDocument, schemas: CompiledSchemas) {
  const requests = {} as Record<TaskFamily, CompiledRequest>;
  for (const [family, name] of Object.entries(REQUEST_SCHEMAS) as [TaskFamily, string][]) {
    const schema = spec.components.schemas[name] as SchemaObject;
    requests[family] = {
      validate: schemas.check[name] as ValidateFunction,
      explain: schemas.explain[name] as ValidateFunction,
      schema,
      checks: schema['x-kling-checks'] ?? [],
      defaults: requestDefaults(spec, schema),
      images: findImageFields(spec, schema),
    };
  }
  const parameters = LIST_PARAMETERS.map((name) => {
    const parameter = spec.components.parameters[name] as { name: string; schema: SchemaObject };
    return {
      name: parameter.name,
      schema: parameter.schema,
      validate: schemas.check[name] as ValidateFunction,
    };
  });

  return {
    /** Checks a parsed create body; undefined when it is valid. */
    checkCreate(family: TaskFamily, body: unknown): ValidationFailure | undefined {
      const compiled = requests[family];
      if (!compiled.validate(body)) {
        compiled.explain(body);
        return describeSchemaError(spec, compiled.schema, compiled.explain.errors ?? []);
      }
      const request = body as Record<string, unknown>;
      for (const check of compiled.checks) {
        const failure = runCheck(check, request);
        if (failure) return failure;
      }
      for (const { path, limits } of compiled.images) {
        for (const [field, value] of valuesAt(request, path)) {
          if (typeof value !== 'string') continue;
          const problem = checkImageInput(value, field, limits);
          if (problem) return { code: 1201, ...problem };
        }
      }
      return undefined;
    },

    /**
     * What a task keeps of a body `checkCreate` accepted, as the platform reads it: every field it omits
     * takes the spec's `default` (see request-defaults.ts). The mock reads a task's settings from this,
     * never from defaults of its own.
     */
    fields(family: TaskFamily, body: Record<string, unknown>) {
      return requestFields(body, requests[family].defaults);
    },

    /** Parses and checks the list query (pageNum, pageSize, external_task_id). */
    parseListQuery(
      query: URLSearchParams,
    ): { pageNum: number; pageSize: number; externalTaskId?: string } | ValidationFailure {
      const values: Record<string, unknown> = {};
      for (const { name, schema, validate } of parameters) {
        const raw = query.get(name);
        const value =
          raw === null
            ? schema.default
            : schema.type === 'integer' && /^-?\d+$/.test(raw)
              ? Number(raw)
              : raw;
        if (value === undefined) continue;
        if (!validate(value)) {
          const limits = [schema.minimum, schema.maximum].every((n) => n !== undefined)
            ? `an integer from ${schema.minimum} to ${schema.maximum}`
            : `a ${schema.type}`;
          return {
            code: 1201,
            field: name,
            message: `Invalid query parameter ${name}: must be ${limits}; got ${JSON.stringify(raw)}`,
          };
        }
        values[name] = value;
      }
      return {
        pageNum: values.pageNum as number,
        pageSize: values.pageSize as number,
        ...(values.external_task_id !== undefined && { externalTaskId: values.external_task_id as string }),
      };
    },
  };
}

export type RequestValidator = ReturnType<typeof createRequestValidator>;

/** Turns Ajv's first error into the platform's answer, naming the field and what is allowed. */
function describeSchemaError(
  spec: OpenApiDocument,
  root: SchemaObject,
  errors: ErrorObject[],
): ValidationFailure {
  const isRule = (error: ErrorObject) => /\/allOf\/\d+\//.test(error.schemaPath);
  // A field's own error (type, range, enum...) says more than a rule between fields: report it first.
  const fieldErrors = errors.filter((error) => !isRule(error) && error.keyword !== 'if');
  const ruleError = fieldErrors.length === 0 ? errors.find(isRule) : undefined;
  if (ruleError) {
    const index = Number(/\/allOf\/(\d+)\//.exec(ruleError.schemaPath)?.[1]);
    const rule = root.allOf?.[index]?.['x-kling-rule'] as KlingRule | undefined;
    if (rule)
      return { code: 1201, field: rule.field, message: `Invalid parameter ${rule.field}: ${rule.message}` };
  }
  const error = (fieldErrors[0] ?? errors[0]) as ErrorObject;
  const field = fieldName(error);
  const got = `; got ${preview(error.data)}`;
  const params = error.params as Record<string, unknown>;
  const propertySchema = topLevelProperty(spec, root, error.instancePath);
  switch (error.keyword) {
    case 'required':
      return { code: 1201, field, message: `Missing required parameter ${field}` };
    case 'additionalProperties': {
      const allowed = Object.keys(resolveAt(spec, root, error.instancePath).properties ?? {}).join(', ');
      return { code: 1201, field, message: `Unknown parameter ${field}; allowed parameters: ${allowed}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).join(', ');
      const code = propertySchema?.['x-kling-error-code'] ?? 1201;
      const what =
        code === 1203 ? `${field} ${preview(error.data)} does not exist` : `Invalid parameter ${field}`;
      return { code, field, message: `${what}: must be one of ${allowed}${code === 1203 ? '' : got}` };
    }
    case 'type':
      return {
        code: 1201,
        field,
        message: `Invalid parameter ${field}: must be ${params.type === 'integer' ? 'an integer' : `a ${params.type}`}${got}`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const schema = resolveAt(spec, root, error.instancePath);
      return {
        code: 1201,
        field,
        message: `Invalid parameter ${field}: must be from ${schema.minimum} to ${schema.maximum}${got}`,
      };
    }
    case 'minLength':
    case 'maxLength': {
      const schema = resolveAt(spec, root, error.instancePath);
      const length = typeof error.data === 'string' ? error.data.length : 0;
      return {
        code: 1201,
        field,
        message: `Invalid parameter ${field}: length must be from ${schema.minLength ?? 0} to ${schema.maxLength} characters; got ${length}`,
      };
    }
    case 'maxItems':
    case 'minItems':
      return {
        code: 1201,
        field,
        message: `Invalid parameter ${field}: ${error.message} (got ${(error.data as unknown[]).length})`,
      };
    default:
      return {
        code: 1201,
        field,
        message: `Invalid parameter ${field}: ${error.message ?? 'is invalid'}${got}`,
      };
  }
}

/**
 * The first `limit` characters of `value` as JSON. Built piece by piece until the limit: JSON.stringify of a
 * body nested 10 000 deep overflows the stack (and of a 60 MB one, copies it all) before any slice.
 */
export function preview(value: unknown, limit = 80): string {
  let out = '';
  const walk = (item: unknown): void => {
    if (out.length > limit) return;
    if (typeof item === 'string') {
      out += JSON.stringify(item.slice(0, limit));
    } else if (Array.isArray(item)) {
      out += '[';
      for (let i = 0; i < item.length && out.length <= limit; i++) {
        if (i > 0) out += ',';
        walk(item[i]);
      }
      out += ']';
    } else if (typeof item === 'object' && item !== null) {
      out += '{';
      let first = true;
      for (const key in item) {
        if (out.length > limit) break;
        out += `${first ? '' : ','}${JSON.stringify(key.slice(0, limit))}:`;
        first = false;
        walk((item as Record<string, unknown>)[key]);
      }
      out += '}';
    } else {
      out += String(JSON.stringify(item));
    }
  };
  walk(value);
  return out.slice(0, limit);
}

/** `/image_list/0/image` -> `image_list[0].image`; missing and unknown properties name themselves. */
function fieldName(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const segments = error.instancePath.split('/').slice(1);
  const extra = params.missingProperty ?? params.additionalProperty;
  if (extra !== undefined) segments.push(extra);
  return (
    segments.reduce(
      (name, segment) =>
        /^\d+$/.test(segment) ? `${name}[${segment}]` : name ? `${name}.${segment}` : segment,
      '',
    ) || 'body'
  );
}

function topLevelProperty(
  spec: OpenApiDocument,
  root: SchemaObject,
  instancePath: string,
): SchemaObject | undefined {
  const [first] = instancePath.split('/').slice(1);
  const property = first === undefined ? undefined : root.properties?.[first];
  return property && resolveRef(spec, property);
}

/** The schema that describes the value at `instancePath` (properties and array items only). */
function resolveAt(spec: OpenApiDocument, root: SchemaObject, instancePath: string): SchemaObject {
  let schema = root;
  for (const segment of instancePath.split('/').slice(1)) {
    const next = /^\d+$/.test(segment) ? schema.items : schema.properties?.[segment];
    if (!next) break;
    schema = resolveRef(spec, next);
  }
  return schema;
}

function findImageFields(
  spec: OpenApiDocument,
  schema: SchemaObject,
  path: string[] = [],
): CompiledRequest['images'] {
  const found: CompiledRequest['images'] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const resolved = resolveRef(spec, property);
    const limits = resolved['x-kling-image'];
    if (limits) found.push({ path: [...path, name], limits });
    if (resolved.type === 'array' && resolved.items) {
      found.push(...findImageFields(spec, resolveRef(spec, resolved.items), [...path, name, '*']));
    } else if (resolved.type === 'object') {
      found.push(...findImageFields(spec, resolved, [...path, name]));
    }
  }
  return found;
}

/** Every value at `path` with its display name, expanding `*` over array items. */
function valuesAt(value: unknown, path: string[], name = ''): [string, unknown][] {
  if (path.length === 0) return [[name, value]];
  const [head, ...rest] = path as [string, ...string[]];
  if (head === '*') {
    return Array.isArray(value) ? value.flatMap((item, i) => valuesAt(item, rest, `${name}[${i}]`)) : [];
  }
  if (typeof value !== 'object' || value === null || !(head in value)) return [];
  return valuesAt((value as Record<string, unknown>)[head], rest, name ? `${name}.${head}` : head);
}

function runCheck(check: KlingCheck, request: Record<string, unknown>): ValidationFailure | undefined {
  const fail = () => ({
    code: 1201,
    field: check.field,
    message: `Invalid parameter ${check.field}: ${check.message}`,
  });
  if (check.kind === 'max-references') {
    const count = check.fields.reduce((total, field) => {
      const value = request[field];
      return total + (Array.isArray(value) ? value.length : value === undefined ? 0 : 1);
    }, 0);
    return count > check.max ? { ...fail(), message: `${fail().message} (got ${count})` } : undefined;
  }
  const text = request[check.field];
  const list = request[check.list];
  const available = Array.isArray(list) ? list.length : 0;
  if (typeof text !== 'string') return undefined;
  for (const match of text.matchAll(new RegExp(`<<<${check.prefix}_(\\d+)>>>`, 'g'))) {
    const index = Number(match[1]);
    if (index < 1 || index > available) {
      return {
        ...fail(),
        message: `${fail().message} (${match[0]} with ${available} item(s) in ${check.list})`,
      };
    }
  }
  return undefined;
}
