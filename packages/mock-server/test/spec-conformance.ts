import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * Checks responses against the bundled spec with an Ajv instance of its own, independent of the mock's
 * validation module: the status must be declared for the operation and the body must match its schema.
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const spec = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@klingkit/spec/openapi.json'), 'utf8'),
) as {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: unknown }> }>>;
  components: { responses: Record<string, { content: Record<string, { schema: object }> }> };
};
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, 'openapi.json');

const operations = Object.entries(spec.paths).map(([template, item]) => ({
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  template,
  item,
}));

export interface Violation {
  method: string;
  path: string;
  status: number;
  problem: string;
}

export function checkResponse(
  method: string,
  path: string,
  status: number,
  body: unknown,
): Violation | undefined {
  const operation = operations.find((candidate) => candidate.pattern.test(path));
  const declared = operation?.item[method.toLowerCase()]?.responses;
  // Requests the spec does not describe (unknown paths, wrong methods) have no contract to check.
  if (!operation || !declared) return undefined;
  const response = declared[String(status)];
  if (!response) return { method, path, status, problem: `status ${status} is not declared` };
  const pointer = response.$ref
    ? `${response.$ref}/content/application~1json/schema`
    : `#/paths/${operation.template.replace(/\//g, '~1')}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
  const validate = ajv.getSchema(`openapi.json${pointer}`) ?? ajv.compile({ $ref: `openapi.json${pointer}` });
  if (validate(body)) return undefined;
  return { method, path, status, problem: ajv.errorsText(validate.errors) };
}

/** Wraps a fetch so every API response it returns is checked; violations are collected for the test to assert. */
export function conformingFetch(fetch: (request: Request) => Promise<Response>, violations: Violation[]) {
  return async (request: Request): Promise<Response> => {
    const response = await fetch(request);
    const path = new URL(request.url).pathname;
    if (path.startsWith('/v1/')) {
      const body: unknown = await response.clone().json();
      const violation = checkResponse(request.method, path, response.status, body);
      if (violation) violations.push(violation);
    }
    return response;
  };
}
