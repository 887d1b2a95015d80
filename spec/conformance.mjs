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

export function checkResponse(method, path, status, body, options = {}) {
  if (options.strict) return strictResponse(method, path, status, body);
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

// ---------------------------------------------------------------------------------------------------------
// Strict mode: what a drift recorder needs. The spec's response schemas allow fields they do not name (an
// answer may grow), which is right for clients and wrong for finding out where the spec is incomplete. So
// strict checks run on a copy of each schema, built here in memory with its `$ref`s inlined, in which every
// object schema in a value position (the body, a property, an array item) that declares no
// `additionalProperties` gets `unevaluatedProperties: false`. Only value positions: a member of `allOf`
// must not refuse the fields its siblings name, and `unevaluatedProperties` on the composed schema sees
// them all. Requests are checked too (body, query, path, the Authorization header), which `checkResponse`
// never did. Every problem is structured: where (a JSON pointer into the exchange), which rule, what the
// spec says, what was seen, and where in the bundled spec the rule lives.

/** Marks each copied schema node with the pointer of its original in the bundled spec. */
const SOURCE = 'x-klingkit-source';
/** A seen value is shown at most this long. */
const SEEN_CHARS = 120;

const strictAjv = new Ajv2020({ strict: false, allErrors: true, verbose: true });
addFormats(strictAjv);
const strictValidators = new Map();

const escapePointer = (segment) => String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

function resolvePointer(pointer) {
  let node = spec;
  for (const segment of pointer.replace(/^#\/?/, '').split('/').filter(Boolean))
    node = node?.[unescapePointer(segment)];
  if (node === undefined) throw new Error(`The spec has no ${pointer}`);
  return node;
}

function describesObject(schema) {
  if (typeof schema !== 'object' || schema === null) return false;
  if (schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'))) return true;
  if (schema.properties || schema.required) return true;
  return ['allOf', 'anyOf', 'oneOf'].some((key) => schema[key]?.some(describesObject));
}

const VALUE_MAPS = ['properties', 'patternProperties', 'dependentSchemas', '$defs'];
const VALUE_SCHEMAS = ['items', 'additionalProperties', 'contains', 'unevaluatedItems'];
const IN_PLACE_LISTS = ['allOf', 'anyOf', 'oneOf'];
const IN_PLACE_SCHEMAS = ['if', 'then', 'else', 'not'];

/**
 * A copy of `schema` (found at `pointer`) with every `$ref` inlined and, where `value` says it stands for
 * a whole value, `unevaluatedProperties: false` on object schemas that say nothing about extra fields.
 */
function strictCopy(schema, pointer, value, refs = []) {
  if (typeof schema !== 'object' || schema === null) return schema;
  if (typeof schema.$ref === 'string') {
    if (refs.includes(schema.$ref)) throw new Error(`Recursive $ref ${schema.$ref} cannot be inlined`);
    // Only annotations (a description) sit beside a $ref in this spec: the target stands for the node.
    return strictCopy(resolvePointer(schema.$ref), schema.$ref, value, [...refs, schema.$ref]);
  }
  const copy = { ...schema, [SOURCE]: pointer };
  for (const key of VALUE_MAPS) {
    if (!schema[key]) continue;
    copy[key] = Object.fromEntries(
      Object.entries(schema[key]).map(([name, sub]) => [
        name,
        strictCopy(sub, `${pointer}/${key}/${escapePointer(name)}`, key !== 'dependentSchemas', refs),
      ]),
    );
  }
  for (const key of VALUE_SCHEMAS) {
    if (typeof schema[key] === 'object') copy[key] = strictCopy(schema[key], `${pointer}/${key}`, true, refs);
  }
  if (Array.isArray(schema.prefixItems))
    copy.prefixItems = schema.prefixItems.map((sub, i) =>
      strictCopy(sub, `${pointer}/prefixItems/${i}`, true, refs),
    );
  for (const key of IN_PLACE_LISTS) {
    if (Array.isArray(schema[key]))
      copy[key] = schema[key].map((sub, i) => strictCopy(sub, `${pointer}/${key}/${i}`, false, refs));
  }
  for (const key of IN_PLACE_SCHEMAS) {
    if (typeof schema[key] === 'object')
      copy[key] = strictCopy(schema[key], `${pointer}/${key}`, false, refs);
  }
  if (
    value &&
    describesObject(copy) &&
    schema.additionalProperties === undefined &&
    schema.unevaluatedProperties === undefined
  ) {
    copy.unevaluatedProperties = false;
  }
  return copy;
}

function strictValidator(pointer) {
  let validate = strictValidators.get(pointer);
  if (!validate) {
    validate = strictAjv.compile(strictCopy(resolvePointer(pointer), pointer, true));
    strictValidators.set(pointer, validate);
  }
  return validate;
}

/** `{ operationId, method, template }` of the spec's operation for `method` and `path`, if it has one. */
export function findOperation(method, path) {
  const operation = operations.find((candidate) => candidate.pattern.test(path));
  const found = operation?.item[method.toLowerCase()];
  if (!found) return undefined;
  return { operationId: found.operationId, method: method.toUpperCase(), template: operation.template };
}

/** A value as a report shows it: JSON, with control, bidi and separator characters escaped, cut short. */
export function showValue(value) {
  if (value === undefined) return 'absent';
  let text;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = text.replace(
    /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return text.length > SEEN_CHARS ? `${text.slice(0, SEEN_CHARS)}…` : text;
}

function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function valueAt(root, pointer) {
  let node = root;
  for (const segment of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    const key = unescapePointer(segment);
    if (!Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** The property names an object schema documents, through its compositions. */
function documentedFields(schema, into = new Set()) {
  if (typeof schema !== 'object' || schema === null) return into;
  for (const name of Object.keys(schema.properties ?? {})) into.add(name);
  for (const key of [...IN_PLACE_LISTS]) for (const sub of schema[key] ?? []) documentedFields(sub, into);
  for (const key of ['then', 'else']) documentedFields(schema[key], into);
  return into;
}

/** The nodes of `root` along an Ajv schemaPath (`#/allOf/0/properties/a/type`), the keyword's parent last. */
function nodesAlong(root, schemaPath) {
  const nodes = [root];
  let node = root;
  const segments = schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean).map(unescapePointer);
  for (const segment of segments.slice(0, -1)) {
    node = node?.[segment];
    if (typeof node === 'object' && node !== null && !Array.isArray(node)) nodes.push(node);
  }
  return nodes;
}

const count = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function expectation(error) {
  const { keyword, params } = error;
  switch (keyword) {
    case 'type':
      return `type ${params.type}`;
    case 'enum':
      return `one of ${params.allowedValues.map((allowed) => JSON.stringify(allowed)).join(', ')}`;
    case 'const':
      return `exactly ${JSON.stringify(params.allowedValue)}`;
    case 'required':
      return 'a required field';
    case 'pattern':
      return `a string matching ${params.pattern}`;
    case 'format':
      return `format ${params.format}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `a number ${params.comparison} ${params.limit}`;
    case 'minLength':
      return `at least ${count(params.limit, 'character')}`;
    case 'maxLength':
      return `at most ${count(params.limit, 'character')}`;
    case 'minItems':
      return `at least ${count(params.limit, 'item')}`;
    case 'maxItems':
      return `at most ${count(params.limit, 'item')}`;
    default:
      return error.message ?? keyword;
  }
}

/**
 * Ajv's errors as problems a person can act on, one per fact: an `anyOf`/`oneOf` is one problem naming
 * its alternatives (not one per failed branch), an `if` adds nothing to the `then` that failed, and every
 * error under a cross-field rule (`x-kling-rule`) is that rule, once, with its message.
 */
function problemsOf(errors, root, data, prefix) {
  const alternatives = errors.filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf');
  const within = (error, parent) => error !== parent && error.schemaPath.startsWith(`${parent.schemaPath}/`);
  const problems = [];
  const rulesSeen = new Set();
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (alternatives.some((parent) => within(error, parent))) continue;
    const nodes = nodesAlong(root, error.schemaPath);
    const ruled = nodes.findLast((node) => node['x-kling-rule']);
    const keyword = error.schemaPath.split('/').at(-1);
    // `unevaluatedProperties: false` is strict mode's own: the spec's place is the object schema it sits on.
    const source =
      (nodes.at(-1)?.[SOURCE] ?? '#') + (keyword && keyword !== 'unevaluatedProperties' ? `/${keyword}` : '');
    if (ruled) {
      const rule = ruled['x-kling-rule'];
      if (rulesSeen.has(rule.id)) continue;
      rulesSeen.add(rule.id);
      const pointer = `/${escapePointer(rule.field)}`;
      problems.push({
        pointer: prefix + pointer,
        rule: `x-kling-rule ${rule.id}`,
        expected: rule.message,
        seen: showValue(valueAt(data, pointer)),
        spec: ruled[SOURCE] ?? source,
      });
      continue;
    }
    let pointer = error.instancePath;
    let expected;
    let seen;
    if (error.keyword === 'required') {
      pointer += `/${escapePointer(error.params.missingProperty)}`;
      expected = expectation(error);
      seen = 'absent';
    } else if (error.keyword === 'unevaluatedProperties' || error.keyword === 'additionalProperties') {
      const name = error.params.unevaluatedProperty ?? error.params.additionalProperty;
      pointer += `/${escapePointer(name)}`;
      const known = [...documentedFields(error.parentSchema)];
      expected = `no such field (documented here: ${known.join(', ') || 'none'})`;
      seen = showValue(valueAt(data, pointer));
    } else if (error.keyword === 'anyOf' || error.keyword === 'oneOf') {
      const branches = errors.filter((other) => within(other, error) && other.keyword !== 'if');
      expected = `${error.keyword === 'oneOf' ? 'exactly one' : 'any'} of: ${[...new Set(branches.map(expectation))].join('; or ')}`;
      seen = showValue(valueAt(data, pointer));
    } else {
      expected = expectation(error);
      const value = valueAt(data, pointer);
      seen = error.keyword === 'type' ? `${showValue(value)} (${typeOf(value)})` : showValue(value);
    }
    problems.push({ pointer: prefix + pointer, rule: error.keyword, expected, seen, spec: source });
  }
  return problems;
}

function responseSchemaPointer(operation, method, status) {
  const response = operation.item[method.toLowerCase()].responses[String(status)];
  const base =
    response.$ref ??
    `#/paths/${escapePointer(operation.template)}/${method.toLowerCase()}/responses/${status}`;
  const content = (response.$ref ? resolvePointer(response.$ref) : response).content?.['application/json'];
  return content?.schema ? `${base}/content/application~1json/schema` : undefined;
}

function strictResponse(method, path, status, body) {
  const operation = operations.find((candidate) => candidate.pattern.test(path));
  const declared = operation?.item[method.toLowerCase()]?.responses;
  if (!operation || !declared) return undefined;
  if (!declared[String(status)]) {
    const problems = [
      {
        pointer: '/status',
        rule: 'status',
        expected: `one of ${Object.keys(declared).join(', ')}`,
        seen: String(status),
        spec: `#/paths/${escapePointer(operation.template)}/${method.toLowerCase()}/responses`,
      },
    ];
    return { method, path, status, problem: `status ${status} is not declared`, problems };
  }
  const pointer = responseSchemaPointer(operation, method, status);
  if (!pointer) return undefined;
  const validate = strictValidator(pointer);
  if (validate(body)) return undefined;
  const problems = problemsOf(validate.errors, validate.schema, body, '/body');
  return {
    method,
    path,
    status,
    problem: problems.map((p) => `${p.pointer}: expected ${p.expected}; seen ${p.seen}`).join('; '),
    problems,
  };
}

function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Query values arrive as text: a number-typed parameter is checked as the number it reads as. */
function parameterValue(schema, text) {
  if ((schema.type === 'integer' || schema.type === 'number') && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text))
    return Number(text);
  return text;
}

function parameterProblems(parameter, pointer, raw) {
  const schemaPointer = `${pointer}/schema`;
  const validate = strictValidator(schemaPointer);
  const value = parameterValue(parameter.schema, raw);
  if (validate(value)) return [];
  return problemsOf(
    validate.errors,
    validate.schema,
    value,
    `/${parameter.in}/${escapePointer(parameter.name)}`,
  );
}

/**
 * Checks one request against its operation, strictly: the Authorization header the spec's security asks for
 * (only whether it is there and reads `Bearer <token>`; its value is never shown), path and query
 * parameters (an undocumented query parameter is a problem), the content type and the body against the
 * request schema. `request.body` is the raw text. Undefined when the request conforms or the spec has no
 * such operation.
 */
export function checkRequest(method, path, request = {}) {
  const operation = operations.find((candidate) => candidate.pattern.test(path));
  const found = operation?.item[method.toLowerCase()];
  if (!found) return undefined;
  const opPointer = `#/paths/${escapePointer(operation.template)}/${method.toLowerCase()}`;
  const problems = [];
  const security = found.security ?? spec.security ?? [];
  if (security.length > 0 && !security.some((requirement) => Object.keys(requirement).length === 0)) {
    const authorization = request.authorization ?? null;
    if (authorization === null || !/^Bearer [^\s]+$/i.test(authorization)) {
      problems.push({
        pointer: '/headers/authorization',
        rule: 'security',
        expected: 'Authorization: Bearer <token> (a JWT or an API key)',
        seen: authorization === null ? 'absent' : 'a value that is not "Bearer <token>" (not shown)',
        spec: found.security ? `${opPointer}/security` : '#/security',
      });
    }
  }
  // Parameters of the path item and of the operation (OpenAPI lets both declare them).
  const itemPointer = `#/paths/${escapePointer(operation.template)}`;
  const parameters = [
    ...(operation.item.parameters ?? []).map((parameter, index) => [
      parameter,
      `${itemPointer}/parameters/${index}`,
    ]),
    ...(found.parameters ?? []).map((parameter, index) => [parameter, `${opPointer}/parameters/${index}`]),
  ].map(([parameter, pointer]) =>
    parameter.$ref
      ? { parameter: resolvePointer(parameter.$ref), pointer: parameter.$ref }
      : { parameter, pointer },
  );
  const segments = path.split('/');
  const pathValues = new Map();
  operation.template.split('/').forEach((segment, index) => {
    const name = /^\{(.+)\}$/.exec(segment)?.[1];
    if (name !== undefined) pathValues.set(name, safeDecode(segments[index] ?? ''));
  });
  const query =
    request.query instanceof URLSearchParams
      ? request.query
      : new URLSearchParams(typeof request.query === 'string' ? request.query : (request.query ?? {}));
  for (const { parameter, pointer } of parameters) {
    if (parameter.in === 'path' && pathValues.has(parameter.name))
      problems.push(...parameterProblems(parameter, pointer, pathValues.get(parameter.name)));
    if (parameter.in === 'query') {
      const values = query.getAll(parameter.name);
      if (values.length === 0 && parameter.required)
        problems.push({
          pointer: `/query/${escapePointer(parameter.name)}`,
          rule: 'required',
          expected: 'a required query parameter',
          seen: 'absent',
          spec: pointer,
        });
      for (const value of values) problems.push(...parameterProblems(parameter, pointer, value));
    }
  }
  const declaredQuery = new Set(
    parameters.filter(({ parameter }) => parameter.in === 'query').map(({ parameter }) => parameter.name),
  );
  for (const name of new Set(query.keys())) {
    if (declaredQuery.has(name)) continue;
    problems.push({
      pointer: `/query/${escapePointer(name)}`,
      rule: 'parameters',
      expected: `no such query parameter (documented: ${[...declaredQuery].join(', ') || 'none'})`,
      seen: showValue(query.get(name)),
      spec: `${opPointer}/parameters`,
    });
  }
  const content = found.requestBody?.content?.['application/json'];
  if (content?.schema) {
    const type = request.contentType ?? null;
    const body = request.body ?? '';
    if (type === null || !/^application\/json\s*(;|$)/i.test(type)) {
      problems.push({
        pointer: '/headers/content-type',
        rule: 'content-type',
        expected: 'application/json',
        seen: type === null ? 'absent' : showValue(type),
        spec: `${opPointer}/requestBody/content`,
      });
    }
    let parsed;
    let readable = true;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      readable = false;
      problems.push({
        pointer: '/body',
        rule: 'json',
        expected: found.requestBody.required ? 'a JSON body' : 'a JSON body, or none',
        seen: body.length === 0 ? 'absent' : `not JSON (${error.message.slice(0, 80)})`,
        spec: `${opPointer}/requestBody`,
      });
    }
    if (readable) {
      const validate = strictValidator(`${opPointer}/requestBody/content/application~1json/schema`);
      if (!validate(parsed)) problems.push(...problemsOf(validate.errors, validate.schema, parsed, '/body'));
    }
  }
  if (problems.length === 0) return undefined;
  return {
    method,
    path,
    operationId: found.operationId,
    problem: problems.map((p) => `${p.pointer}: expected ${p.expected}; seen ${p.seen}`).join('; '),
    problems,
  };
}
