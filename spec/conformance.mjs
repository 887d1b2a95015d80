// Checks HTTP answers against the bundled spec: the status must be declared for the operation and the
// body must match its schema. Used by the mock server's tests and the contract suite as a validator that
// shares no code with the mock's own request validation.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const spec = JSON.parse(readFileSync(new URL('./dist/openapi.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, 'openapi.json');

const operations = Object.entries(spec.paths).map(([template, item]) => ({
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  template,
  item,
}));

export function checkResponse(method, path, status, body) {
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

export function conformingFetch(fetch, violations) {
  return async (request) => {
    const response = await fetch(request);
    const path = new URL(request.url).pathname;
    if (path.startsWith('/v1/')) {
      const violation = checkResponse(request.method, path, response.status, await response.clone().json());
      if (violation) violations.push(violation);
    }
    return response;
  };
}
