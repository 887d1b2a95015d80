/**
 * Classifies every difference between two bundled specs as breaking, additive or docs-only, with the
 * JSON pointer where it is written and a one-line reason saying why.
 *
 * api-smart-diff does the structural work: it follows references, pairs operations, parameters (by
 * name and place), responses and enum values across the two versions, and merges `allOf` parts. Its
 * classification is not used as is, because on this spec it gets several rules wrong or leaves them
 * unclassified (see tools/release/README.md for the table); every change it finds goes through the rules
 * below, which know which way data flows (requests narrow, answers and callbacks widen), and its own
 * verdict is kept beside ours (`library`). klingkit's vendor extensions and security are compared by
 * kling-extensions.ts and security.ts on the written documents, and hidden from the library.
 */
import { apiCompare, type Diff } from 'api-smart-diff';
import { BUMP_FOR_CLASS, bumpRank, type ChangeClass, type SpecChange } from './change.js';
import {
  dereference,
  encodePointer,
  isRecord,
  resolve,
  type Segment,
  sourceLocation,
  valueAt,
} from './json-pointer.js';
import { diffExtensions, withoutExtensions } from './kling-extensions.js';
import { HTTP_METHODS, indexOperations, operationsReaching } from './operations.js';
import { allowsAll, valueTypes } from './schema-values.js';
import { diffSecurity, withoutSecurity } from './security.js';

type Flow = 'in' | 'out';

interface Site {
  /** `in`: the consumer sends it (request bodies, parameters); `out`: the consumer receives it. */
  flow: Flow;
  /** Words for the thing, e.g. `request field`, `query parameter pageSize`, `response field`. */
  noun: string;
  /** Who reads it when it flows out: clients, or the handlers that receive callbacks. */
  reader: string;
}

interface Verdict {
  class: ChangeClass;
  rule: string;
  reason: string;
  /** Report at this (real) path instead of the diff's own, once for every diff that lands there. */
  at?: Segment[];
}

interface PseudoCallback {
  /** Real path of the callback operation's requestBody. */
  prefix: Segment[];
  operationId: string;
}

interface Prepared {
  doc: Record<string, unknown>;
  callbacks: Map<string, PseudoCallback>;
}

const DOC_KEYWORDS = new Set([
  'description',
  'summary',
  'title',
  'examples',
  'example',
  'externalDocs',
  '$comment',
  'tags',
]);
/** Keywords whose children are names an author chose, not keywords (a header may be called `x-rate`). */
const NAMED_CHILDREN = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'headers',
  'schemas',
  'parameters',
  'responses',
  'requestBodies',
  'callbacks',
  'securitySchemes',
  'links',
  'content',
  'paths',
]);
const UPPER = new Set([
  'maximum',
  'exclusiveMaximum',
  'maxLength',
  'maxItems',
  'maxProperties',
  'maxContains',
]);
const LOWER = new Set([
  'minimum',
  'exclusiveMinimum',
  'minLength',
  'minItems',
  'minProperties',
  'minContains',
]);
const CONSTRAINTS = new Set([
  'pattern',
  'format',
  'const',
  'multipleOf',
  'uniqueItems',
  'contentMediaType',
  'contentEncoding',
  'propertyNames',
  'dependentRequired',
  'dependentSchemas',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'patternProperties',
]);
/** Array keywords whose index means nothing from one version to the next: report the keyword itself. */
const SET_KEYWORDS = new Set(['enum', 'required', 'type', 'tags']);

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/**
 * Turns callbacks into pseudo operations whose response is the callback's body, so the library compares
 * them with the rules of data the consumer receives (it leaves callbacks unclassified otherwise).
 */
function prepare(doc: unknown): Prepared {
  const copy = withoutSecurity(withoutExtensions(doc)) as Record<string, unknown>;
  const callbacks = new Map<string, PseudoCallback>();
  const paths = isRecord(copy.paths) ? copy.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isRecord(operation) || !isRecord(operation.callbacks)) continue;
      for (const [name, raw] of Object.entries(operation.callbacks)) {
        const callback = resolve(copy, raw, []).node;
        if (!isRecord(callback)) continue;
        Object.entries(callback).forEach(([expression, pathItem], index) => {
          const resolvedItem = resolve(copy, pathItem, []).node;
          if (!isRecord(resolvedItem)) return;
          for (const callbackMethod of HTTP_METHODS) {
            const callbackOperation = resolvedItem[callbackMethod];
            if (!isRecord(callbackOperation)) continue;
            const body = resolve(copy, callbackOperation.requestBody, []).node;
            const key = `/__callbacks__${path}/${method}/${name}/${index}/${callbackMethod}`;
            const operationId = String(
              callbackOperation.operationId ?? `${name} callback of ${method} ${path}`,
            );
            // Its own words (summary, description) come along, so a change of them is seen too.
            const {
              requestBody: _body,
              responses: _answers,
              security: _security,
              ...own
            } = callbackOperation;
            paths[key] = {
              post: {
                ...own,
                operationId,
                responses: {
                  '200': {
                    description:
                      isRecord(body) && typeof body.description === 'string' ? body.description : '',
                    content: isRecord(body) && isRecord(body.content) ? body.content : {},
                  },
                },
              },
            };
            callbacks.set(key, {
              prefix: ['paths', path, method, 'callbacks', name, expression, callbackMethod, 'requestBody'],
              operationId,
            });
          }
        });
      }
      delete operation.callbacks;
    }
  }
  if (isRecord(copy.components)) delete copy.components.callbacks;
  return { doc: copy, callbacks };
}

/** The library's path, with pseudo callback operations mapped back to where the callback is written. */
function realPath(path: readonly Segment[], callbacks: Map<string, PseudoCallback>): Segment[] {
  const pseudo = path[0] === 'paths' ? callbacks.get(String(path[1])) : undefined;
  if (!pseudo) return [...path];
  // ['paths', key, 'post', 'responses', '200', 'content', ...] -> [...prefix, 'content', ...]
  if (path[3] === 'responses') return [...pseudo.prefix, ...path.slice(5)];
  // ['paths', key, 'post', 'description'] -> the callback operation's own description
  return [...pseudo.prefix.slice(0, -1), ...path.slice(3)];
}

/**
 * Where the change is written. A member added or removed whole (a property, a status, an operation) is
 * reported under its parent in the document that has the parent, the current one first: for a removal
 * that is where it is now missing. Array members keep the before document's index (the library's paths
 * index arrays as they were). Anything else is reported where its value is written: the current
 * document for additions and replacements, the released one for removals.
 */
function pointerFor(action: string, path: Segment[], before: unknown, after: unknown): string {
  let segments = path;
  const last = segments[segments.length - 1];
  const keyword = segments[segments.length - 2];
  const stripped = typeof last === 'number' && SET_KEYWORDS.has(String(keyword));
  if (stripped) segments = segments.slice(0, -1);
  const member = segments[segments.length - 1] as Segment;
  if ((action === 'add' || action === 'remove') && !stripped) {
    const sides = typeof member === 'number' ? [before, after] : [after, before];
    for (const doc of sides) {
      const parent = sourceLocation(doc, segments.slice(0, -1));
      if (parent.consumed === segments.length - 1) return encodePointer([...parent.pointer, member]);
    }
  }
  const first = action === 'remove' ? before : after;
  const second = action === 'remove' ? after : before;
  let location = sourceLocation(first, segments);
  if (location.consumed < segments.length) {
    const other = sourceLocation(second, segments);
    if (other.consumed > location.consumed) location = other;
  }
  return encodePointer([...location.pointer, ...segments.slice(location.consumed)]);
}

/**
 * `data[].task_info.extra` from a path inside a schema; '' for the schema itself. `items` and
 * `additionalProperties` count only when the path goes into them, not when they are what changed.
 */
function fieldLabel(schemaPath: readonly Segment[]): string {
  let label = '';
  for (let i = 0; i < schemaPath.length; i += 1) {
    const segment = schemaPath[i];
    if (segment === 'properties' && i + 1 < schemaPath.length) {
      label += `${label ? '.' : ''}${String(schemaPath[i + 1])}`;
      i += 1;
    } else if (segment === 'items' && i + 1 < schemaPath.length) {
      label += '[]';
    } else if (segment === 'additionalProperties' && i + 1 < schemaPath.length) {
      label += '{*}';
    }
  }
  return label;
}

/** The documentation keyword the path passes through (other than as a property name), if any. */
function docsKeyword(path: readonly Segment[]): string | undefined {
  return path.find(
    (segment, i): segment is string =>
      typeof segment === 'string' &&
      !NAMED_CHILDREN.has(String(path[i - 1])) &&
      (DOC_KEYWORDS.has(segment) || segment.startsWith('x-')),
  ) as string | undefined;
}

/**
 * A documentation change is reported once per documented thing: the path up to its docs keyword (and the
 * example's name, for named examples), however deep inside an example value the difference lies.
 */
function docsPath(path: readonly Segment[], keyword: string): Segment[] {
  const at = path.findIndex((segment, i) => segment === keyword && !NAMED_CHILDREN.has(String(path[i - 1])));
  return path.slice(0, keyword === 'examples' ? at + 2 : at + 1);
}

function docsVerdict(keyword: string): Verdict {
  return {
    class: 'docs-only',
    rule: 'docs',
    reason: `${keyword} changed: documentation only; nothing accepted or answered changes`,
  };
}

/** Whether every value of type set `inner` is also a value of `outer` (integer is a number; empty: any). */
function typesWithin(inner: Set<string>, outer: Set<string>): boolean {
  if (outer.size === 0) return true; // no type: anything goes
  if (inner.size === 0) return false;
  return [...inner].every((type) => outer.has(type) || (type === 'integer' && outer.has('number')));
}

function classifySchema(
  diff: Diff,
  schemaPath: Segment[],
  site: Site,
  fullPath: Segment[],
  before: unknown,
  after: unknown,
): Verdict | undefined {
  const { action } = diff;
  const last = schemaPath[schemaPath.length - 1];
  const parentKey = schemaPath[schemaPath.length - 2];
  const isIn = site.flow === 'in';
  const narrowing = (narrower: boolean): ChangeClass => (narrower === isIn ? 'breaking' : 'additive');

  // A field rewritten with (or without) anyOf/oneOf: the library diffs the alternatives against the old
  // schema piece by piece, which says nothing. Judge the field as a whole, once.
  const combinerAt = schemaPath.findIndex(
    (segment, i) => (segment === 'anyOf' || segment === 'oneOf') && schemaPath[i - 1] !== 'properties',
  );
  if (combinerAt >= 0) {
    const combiner = schemaPath[combinerAt] as string;
    const fieldPath = fullPath.slice(0, fullPath.length - (schemaPath.length - combinerAt));
    const was = dereference(before, sourceLocation(before, fieldPath).value);
    const now = dereference(after, sourceLocation(after, fieldPath).value);
    const has = (schema: unknown) => isRecord(schema) && Array.isArray(schema[combiner]);
    if (has(was) !== has(now)) {
      const label = fieldLabel(schemaPath.slice(0, combinerAt));
      const subject = label ? `${site.noun} ${label}` : site.noun.replace(/ field$/, ' body');
      const compatible = isIn ? allowsAll(now, was) : allowsAll(was, now);
      const how = has(now) ? `rewritten as ${combiner}` : `no longer an ${combiner}`;
      return {
        at: fieldPath,
        rule: 'combiner-restructured',
        class: compatible === true ? 'additive' : 'breaking',
        reason:
          compatible === true
            ? `${subject} ${how}: ${isIn ? 'every value that passed still does' : 'every value it can now take, it could take before'}`
            : compatible === false
              ? `${subject} ${how}: ${isIn ? 'values that passed may now fail' : `${site.reader} may receive values it did not allow`}`
              : `${subject} ${how}: whether it allows more or less cannot be told, so it counts as breaking`,
      };
    }
  }

  if (parentKey === 'enum' && typeof last === 'number') {
    const label = fieldLabel(schemaPath);
    const subject = site.noun.endsWith(' field')
      ? `${site.noun.slice(0, -' field'.length)} enum ${label || 'value'}`
      : `${site.noun}${label ? ` ${label}` : ''} enum`;
    if (action === 'remove') {
      return {
        class: narrowing(true),
        rule: 'enum-value-removed',
        reason: isIn
          ? `${subject} lost ${quote(diff.before)}: requests that send it now fail`
          : `${subject} lost ${quote(diff.before)}: answers no longer carry it; ${site.reader} that handle it are unaffected`,
      };
    }
    if (action === 'add') {
      return {
        class: narrowing(false),
        rule: 'enum-value-added',
        reason: isIn
          ? `${subject} gained ${quote(diff.after)}: requests may now send it`
          : `${subject} gained ${quote(diff.after)}: ${site.reader} that handle every value meet one they do not know`,
      };
    }
    return {
      class: 'breaking',
      rule: 'enum-value-replaced',
      reason: `${subject} value ${quote(diff.before)} became ${quote(diff.after)}: code that uses the old value breaks`,
    };
  }

  const field = fieldLabel(schemaPath);
  const subject = field ? `${site.noun} ${field}` : site.noun.replace(/ field$/, ' body');
  const schemaAt = (doc: unknown, keywordDepth: number) =>
    sourceLocation(doc, fullPath.slice(0, fullPath.length - keywordDepth)).value;
  const fieldAt = (doc: unknown, keywordDepth: number) => dereference(doc, schemaAt(doc, keywordDepth));

  if (last === 'enum') {
    const narrower = action === 'add';
    return {
      class: action === 'replace' ? 'breaking' : narrowing(narrower),
      rule: action === 'add' ? 'enum-added' : action === 'remove' ? 'enum-removed' : 'enum-replaced',
      reason:
        action === 'add'
          ? `${subject} now limited to ${quote(diff.after)}: ${isIn ? 'requests with other values now fail' : `${site.reader} receive fewer values`}`
          : action === 'remove'
            ? `${subject} no longer limited to ${quote(diff.before)}: ${isIn ? 'more values are accepted' : `${site.reader} may receive any value`}`
            : `${subject} values changed from ${quote(diff.before)} to ${quote(diff.after)}`,
    };
  }

  if ((parentKey === 'required' && typeof last === 'number') || last === 'required') {
    const names = (value: unknown) => (Array.isArray(value) ? value.map(String) : [String(value)]);
    const objectDepth = last === 'required' ? 1 : 2;
    const objectPath = schemaPath.slice(0, schemaPath.length - objectDepth);
    const beforeObject = schemaAt(before, objectDepth);
    const afterObject = schemaAt(after, objectDepth);
    const has = (schema: unknown, name: string) =>
      isRecord(schema) && isRecord(schema.properties) && name in schema.properties;
    const subjects = (list: string[]) =>
      `${site.noun}${list.length > 1 ? 's' : ''} ${list.map((name) => fieldLabel([...objectPath, 'properties', name])).join(', ')}`;
    const be = (list: string[], one: string, many: string) => (list.length > 1 ? many : one);
    if (action === 'add') {
      // A field added together with its required mark is reported once, as a required field added.
      const existing = names(diff.after).filter((name) => has(beforeObject, name));
      if (existing.length === 0) return SKIP;
      return {
        class: isIn ? 'breaking' : 'additive',
        rule: 'field-became-required',
        reason: isIn
          ? `${subjects(existing)} became required: requests that omit ${be(existing, 'it', 'them')} now fail`
          : `${subjects(existing)} ${be(existing, 'is', 'are')} now always present: ${site.reader} may rely on ${be(existing, 'it', 'them')}`,
      };
    }
    if (action === 'remove') {
      const remaining = names(diff.before).filter((name) => has(afterObject, name));
      if (remaining.length === 0) return SKIP;
      return {
        class: isIn ? 'additive' : 'breaking',
        rule: 'field-became-optional',
        reason: isIn
          ? `${subjects(remaining)} became optional: requests may now omit ${be(remaining, 'it', 'them')}`
          : `${subjects(remaining)} may now be absent: ${site.reader} that read ${be(remaining, 'it', 'them')} must handle ${be(remaining, 'its', 'their')} absence`,
      };
    }
  }

  if (parentKey === 'properties' && typeof last === 'string') {
    if (action === 'add') {
      const parent = schemaAt(after, 2);
      const required = isRecord(parent) && Array.isArray(parent.required) && parent.required.includes(last);
      if (!isIn) {
        return {
          class: 'additive',
          rule: 'field-added',
          reason: `${subject} added: ${site.reader} that ignore unknown fields are unaffected`,
        };
      }
      return required
        ? {
            class: 'breaking',
            rule: 'field-added',
            reason: `${subject} added as required: requests without it now fail`,
          }
        : {
            class: 'additive',
            rule: 'field-added',
            reason: `${subject} added (optional): existing requests still pass`,
          };
    }
    if (action === 'remove') {
      const parent = schemaAt(before, 2);
      const closed =
        isRecord(parent) && (parent.additionalProperties === false || parent.unevaluatedProperties === false);
      return {
        class: 'breaking',
        rule: 'field-removed',
        reason: isIn
          ? closed
            ? `${subject} removed: requests that send it are now refused (the body allows no unknown fields)`
            : `${subject} removed: requests that send it lose its effect`
          : `${subject} removed: ${site.reader} that read it get nothing`,
      };
    }
  }

  if (last === 'type' || (parentKey === 'type' && typeof last === 'number')) {
    // The types the field's values can have, alternatives and consts included: `type: string` moved
    // into the branches of an anyOf is no change of type.
    const depth = last === 'type' ? 1 : 2;
    const was = valueTypes(fieldAt(before, depth)) ?? new Set<string>();
    const now = valueTypes(fieldAt(after, depth)) ?? new Set<string>();
    const show = (types: Set<string>) => (types.size ? [...types].join(' | ') : 'any type');
    const a = (types: Set<string>) => `${/^[aeiou]/.test(show(types)) ? 'an' : 'a'} ${show(types)}`;
    // The library also reports `type` when a schema is rewritten around an unchanged type.
    if (show(was) === show(now)) return SKIP;
    const compatible = isIn ? typesWithin(was, now) : typesWithin(now, was);
    return {
      class: compatible ? 'additive' : 'breaking',
      rule: 'type-changed',
      reason: compatible
        ? `${subject} type changed from ${show(was)} to ${show(now)}: ${isIn ? 'every value that passed still does' : `${site.reader} receive values of the old type`}`
        : `${subject} type changed from ${show(was)} to ${show(now)}: ${isIn ? `requests that send ${a(was)} now fail` : `${site.reader} that expect ${a(was)} receive ${a(now)}`}`,
    };
  }

  if (typeof last === 'string' && (UPPER.has(last) || LOWER.has(last))) {
    const a = diff.before;
    const b = diff.after;
    let narrower: boolean | undefined;
    if (action === 'add') narrower = true;
    else if (action === 'remove') narrower = false;
    else if (typeof a === 'number' && typeof b === 'number') narrower = UPPER.has(last) ? b < a : b > a;
    const verb = narrower === undefined ? 'changed' : narrower ? 'tightened' : 'loosened';
    const what =
      action === 'add'
        ? `${subject} gained ${last} ${quote(b)}`
        : action === 'remove'
          ? `${subject} lost ${last} ${quote(a)}`
          : `${subject} ${last} ${verb} from ${quote(a)} to ${quote(b)}`;
    const effect =
      narrower === undefined
        ? 'which values pass changes'
        : isIn
          ? narrower
            ? 'values that passed may now fail'
            : 'more values are accepted'
          : narrower
            ? 'answers stay within the old range'
            : `${site.reader} may receive values outside the old range`;
    return {
      class: narrower === undefined ? 'breaking' : narrowing(narrower),
      rule: narrower === undefined ? 'limit-changed' : narrower ? 'limit-tightened' : 'limit-loosened',
      reason: `${what}: ${effect}`,
    };
  }

  if (last === 'default') {
    if (!isIn) {
      return {
        class: 'docs-only',
        rule: 'default-changed',
        reason: `${subject} default changed: answers carry values, not defaults`,
      };
    }
    // A default given to a field that was required, and is optional now: no request that passed omitted it,
    // so none changes meaning; requests may now omit it (reported as the field becoming optional).
    const object = schemaAt(before, 3);
    const name = schemaPath[schemaPath.length - 2];
    const wasRequired =
      schemaPath[schemaPath.length - 3] === 'properties' &&
      isRecord(object) &&
      Array.isArray(object.required) &&
      object.required.includes(name);
    if (action === 'add' && wasRequired) {
      return {
        class: 'additive',
        rule: 'default-added-to-required',
        reason: `${subject} now defaults to ${quote(diff.after)}: it was required, so every request that passed sends it and none changes meaning`,
      };
    }
    const reason =
      action === 'add'
        ? `${subject} now defaults to ${quote(diff.after)}: requests that omit it get that value`
        : action === 'remove'
          ? `${subject} no longer defaults to ${quote(diff.before)}: requests that omit it may get something else`
          : `${subject} default changed from ${quote(diff.before)} to ${quote(diff.after)}: requests that omit it now get ${quote(diff.after)}`;
    return { class: 'breaking', rule: 'default-changed', reason };
  }

  if (typeof last === 'string' && CONSTRAINTS.has(last)) {
    if (action === 'replace') {
      return {
        class: 'breaking',
        rule: 'constraint-changed',
        reason: `${subject} ${last} changed from ${quote(diff.before)} to ${quote(diff.after)}: whether it accepts more or less cannot be told, so values that passed may fail`,
      };
    }
    const narrower = action === 'add';
    return {
      class: narrowing(narrower),
      rule: narrower ? 'constraint-added' : 'constraint-removed',
      reason: narrower
        ? `${subject} gained ${last} ${quote(diff.after)}: ${isIn ? 'values that passed may now fail' : 'answers stay within it'}`
        : `${subject} lost ${last} ${quote(diff.before)}: ${isIn ? 'more values are accepted' : `${site.reader} may receive values it excluded`}`,
    };
  }

  if (last === 'additionalProperties' || last === 'unevaluatedProperties') {
    const closedNow = diff.after === false;
    if (!isIn) {
      return {
        class: 'additive',
        rule: 'unknown-fields-changed',
        reason: `${subject} ${last} changed: ${site.reader} ignore fields they do not know`,
      };
    }
    return closedNow
      ? {
          class: 'breaking',
          rule: 'unknown-fields-refused',
          reason: `${subject} no longer accepts fields it does not list: requests that send any now fail`,
        }
      : {
          class: diff.before === false ? 'additive' : 'breaking',
          rule: diff.before === false ? 'unknown-fields-accepted' : 'unknown-fields-changed',
          reason:
            diff.before === false
              ? `${subject} now accepts fields it does not list: more requests pass`
              : `${subject} ${last} schema changed: extra fields that passed may now fail`,
        };
  }

  if ((parentKey === 'oneOf' || parentKey === 'anyOf') && typeof last === 'number' && action !== 'replace') {
    const added = action === 'add';
    return {
      class: narrowing(!added),
      rule: added ? 'alternative-added' : 'alternative-removed',
      reason: added
        ? `${subject} may take another shape (${parentKey} entry added): ${isIn ? 'more requests pass' : `${site.reader} may receive a shape they do not know`}`
        : `${subject} lost a shape (${parentKey} entry removed): ${isIn ? 'requests that send it now fail' : `${site.reader} receive fewer shapes`}`,
    };
  }

  if (last === 'deprecated') {
    return {
      class: 'additive',
      rule: 'deprecated',
      reason: diff.after
        ? `${subject} deprecated: it still works; callers should move off it`
        : `${subject} no longer deprecated`,
    };
  }
  return undefined;
}

/** A change another one already reports (a required mark that comes with its new field). */
const SKIP: Verdict = { class: 'docs-only', rule: 'skip', reason: '' };

const PAST: Record<string, string> = {
  add: 'added',
  remove: 'removed',
  replace: 'replaced',
  rename: 'renamed',
};

function fromLibrary(diff: Diff, what: string): Verdict {
  const map: Record<string, ChangeClass> = {
    breaking: 'breaking',
    'non-breaking': 'additive',
    annotation: 'docs-only',
    deprecated: 'additive',
  };
  const cls = map[diff.type] ?? 'breaking';
  const said = diff.description ? ` (${diff.description})` : '';
  return {
    class: cls,
    rule: 'library',
    reason:
      diff.type === 'unclassified'
        ? `${what} ${PAST[diff.action] ?? diff.action}${said}: no rule classifies this change, so it counts as breaking`
        : `${what} ${PAST[diff.action] ?? diff.action}${said}: api-smart-diff calls it ${diff.type}`,
  };
}

function operationVerdict(
  diff: Diff,
  rest: Segment[],
  /** `POST /v1/images/generations (createImageGenerationTask)` */
  label: string,
  /** The operationId alone, for changes inside the operation. */
  name: string,
  isCallback: boolean,
  before: unknown,
  after: unknown,
  path: Segment[],
): Verdict | undefined {
  const { action } = diff;
  if (rest.length === 0) {
    if (isCallback) {
      return action === 'add'
        ? {
            class: 'additive',
            rule: 'callback-added',
            reason: `callback ${label} added: handlers that do not expect it can ignore it`,
          }
        : {
            class: 'breaking',
            rule: 'callback-removed',
            reason: `callback ${label} removed: handlers waiting for it never hear`,
          };
    }
    if (action === 'add')
      return {
        class: 'additive',
        rule: 'operation-added',
        reason: `operation ${label} added: existing calls are unaffected`,
      };
    if (action === 'remove')
      return {
        class: 'breaking',
        rule: 'operation-removed',
        reason: `operation ${label} removed: calls to it now fail`,
      };
  }
  const [head, second, third] = rest;
  if (head === 'operationId') {
    return {
      class: 'breaking',
      rule: 'operation-renamed',
      reason: `operationId ${quote(diff.before)} renamed to ${quote(diff.after)}: code that names the operation (generated types, the mock's routes) breaks`,
    };
  }
  if (head === 'deprecated') {
    return {
      class: 'additive',
      rule: 'deprecated',
      reason: `operation ${label} ${diff.after ? 'deprecated: it still works; callers should move off it' : 'no longer deprecated'}`,
    };
  }
  if (head === 'parameters' && typeof second === 'number') {
    // A parameter added or removed whole comes with its value; deeper changes are inside one both
    // sides have, and the library's index is the before document's.
    const whole = rest.length === 2;
    const side = whole && action === 'add' ? after : before;
    const raw = whole
      ? action === 'add'
        ? diff.after
        : diff.before
      : valueAt(before, path.slice(0, path.length - rest.length + 2));
    const parameter = resolve(side, raw, []).node;
    const param = isRecord(parameter)
      ? `${String(parameter.in)} parameter ${String(parameter.name)}`
      : 'parameter';
    if (rest.length === 2) {
      if (action === 'add') {
        const required = isRecord(parameter) && parameter.required === true;
        return required
          ? {
              class: 'breaking',
              rule: 'parameter-added',
              reason: `required ${param} added to ${name}: calls without it now fail`,
            }
          : {
              class: 'additive',
              rule: 'parameter-added',
              reason: `optional ${param} added to ${name}: existing calls are unaffected`,
            };
      }
      if (action === 'remove')
        return {
          class: 'breaking',
          rule: 'parameter-removed',
          reason: `${param} removed from ${name}: calls that send it lose its effect`,
        };
    }
    if (third === 'required' && rest.length === 3) {
      return diff.after === true
        ? {
            class: 'breaking',
            rule: 'parameter-became-required',
            reason: `${param} became required: calls without it now fail`,
          }
        : {
            class: 'additive',
            rule: 'parameter-became-optional',
            reason: `${param} became optional: calls may omit it`,
          };
    }
    if (third === 'schema') {
      return classifySchema(
        diff,
        rest.slice(3),
        { flow: 'in', noun: param, reader: 'clients' },
        path,
        before,
        after,
      );
    }
    return undefined;
  }
  if (head === 'requestBody') {
    const site: Site = isCallback
      ? { flow: 'out', noun: 'callback field', reader: 'callback handlers' }
      : { flow: 'in', noun: 'request field', reader: 'clients' };
    if (rest.length === 1) {
      if (action === 'add') {
        const required = isRecord(diff.after) && diff.after.required === true;
        return {
          class: required ? 'breaking' : 'additive',
          rule: 'request-body-added',
          reason: `${name} ${required ? 'now requires a body: calls without one fail' : 'accepts a body (optional)'}`,
        };
      }
      if (action === 'remove')
        return {
          class: 'breaking',
          rule: 'request-body-removed',
          reason: `${name} no longer takes a body: calls that send one lose its effect`,
        };
    }
    if (second === 'required' && rest.length === 2) {
      return diff.after === true
        ? {
            class: 'breaking',
            rule: 'request-body-required',
            reason: `${name} body became required: calls without one now fail`,
          }
        : { class: 'additive', rule: 'request-body-optional', reason: `${name} body became optional` };
    }
    if (second === 'content' && rest.length === 3) {
      return action === 'add'
        ? {
            class: 'additive',
            rule: 'media-type-added',
            reason: `${name} now accepts ${String(third)} bodies`,
          }
        : {
            class: 'breaking',
            rule: 'media-type-removed',
            reason: `${name} no longer accepts ${String(third)} bodies: calls that send them now fail`,
          };
    }
    if (second === 'content' && rest[3] === 'schema') {
      return classifySchema(diff, rest.slice(4), site, path, before, after);
    }
    return undefined;
  }
  if (head === 'responses' && second !== undefined) {
    const status = String(second);
    if (rest.length === 2) {
      if (action === 'add')
        return {
          class: 'additive',
          rule: 'status-added',
          reason: `${name} may now answer ${status}: a new documented outcome; the others are unchanged`,
        };
      if (action === 'remove')
        return {
          class: 'breaking',
          rule: 'status-removed',
          reason: `${name} no longer answers ${status}: clients and tests that expect it never get it`,
        };
    }
    if (third === 'content' && rest.length === 4) {
      return action === 'add'
        ? {
            class: 'additive',
            rule: 'media-type-added',
            reason: `answers may now come as ${String(rest[3])}: clients that parse only the others must handle it`,
          }
        : {
            class: 'breaking',
            rule: 'media-type-removed',
            reason: `answers no longer come as ${String(rest[3])}: clients that parse it get nothing`,
          };
    }
    if (third === 'headers' && (rest.length === 4 || rest.length === 3) && action !== 'replace') {
      // One header, or the whole `headers` map at once.
      const names =
        rest.length === 4
          ? [String(rest[3])]
          : Object.keys((action === 'add' ? diff.after : diff.before) ?? {});
      const which = `header${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
      return action === 'add'
        ? {
            class: 'additive',
            rule: 'header-added',
            reason: `answers now carry the ${which}: clients may read it`,
          }
        : {
            class: 'breaking',
            rule: 'header-removed',
            reason: `answers no longer carry the ${which}: clients that read it get nothing`,
          };
    }
    if (third === 'content' && rest[4] === 'schema') {
      return classifySchema(
        diff,
        rest.slice(5),
        { flow: 'out', noun: 'response field', reader: 'clients' },
        path,
        before,
        after,
      );
    }
  }
  return undefined;
}

/** The operationId a library path is inside (the callback's own for a pseudo callback operation). */
function operationOf(
  libraryPath: Segment[],
  prepared: { before: Prepared; after: Prepared },
  diff: Diff,
  before: unknown,
  after: unknown,
): string[] {
  if (libraryPath[0] !== 'paths' || libraryPath.length < 3) return [];
  const pathKey = String(libraryPath[1]);
  const pseudo = prepared.after.callbacks.get(pathKey) ?? prepared.before.callbacks.get(pathKey);
  if (pseudo) return [pseudo.operationId];
  const operation = valueAt(diff.action === 'add' ? after : before, [
    'paths',
    pathKey,
    String(libraryPath[2]),
  ]);
  return isRecord(operation) && typeof operation.operationId === 'string' ? [operation.operationId] : [];
}

function classify(
  diff: Diff,
  path: Segment[],
  prepared: { before: Prepared; after: Prepared },
  before: unknown,
  after: unknown,
): (Verdict & { operations: string[] }) | undefined {
  const libraryPath = diff.path as Segment[];
  // The release's own number: it follows @klingkit/spec's version, which the changesets decide.
  if (libraryPath[0] === 'info' && libraryPath[1] === 'version') return { ...SKIP, operations: [] };
  const docs = docsKeyword(path);
  if (docs)
    return { ...docsVerdict(docs), operations: operationOf(libraryPath, prepared, diff, before, after) };
  const top = path[0];
  if (top === 'info' || top === 'tags' || top === 'externalDocs' || top === 'openapi') {
    return {
      class: 'docs-only',
      rule: 'docs',
      reason: `document ${String(top)} changed: no request or answer changes`,
      operations: [],
    };
  }
  if (top === 'servers') {
    if (path.length === 2 && diff.action === 'add')
      return {
        class: 'additive',
        rule: 'server-added',
        reason: `server ${quote(isRecord(diff.after) ? diff.after.url : diff.after)} added: clients may use it`,
        operations: [],
      };
    if (path.length === 2 && diff.action === 'remove')
      return {
        class: 'breaking',
        rule: 'server-removed',
        reason: `server ${quote(isRecord(diff.before) ? diff.before.url : diff.before)} removed: clients configured with it must move`,
        operations: [],
      };
    return {
      class: 'breaking',
      rule: 'server-changed',
      reason: `server ${String(path[2] ?? '')} changed from ${quote(diff.before)} to ${quote(diff.after)}: clients configured with the old one must move`,
      operations: [],
    };
  }
  if (top !== 'paths') return undefined;

  const pathKey = String(libraryPath[1]);
  const pseudo = prepared.after.callbacks.get(pathKey) ?? prepared.before.callbacks.get(pathKey);
  if (pseudo) {
    // ['paths', key, 'post', 'responses', '200', 'content', ...] is the callback's requestBody.content.
    if (libraryPath.length > 3 && libraryPath[3] === 'responses' && libraryPath.length < 6) return undefined;
    const rest =
      libraryPath.length <= 3
        ? []
        : libraryPath[3] === 'responses'
          ? ['requestBody', ...libraryPath.slice(5)]
          : libraryPath.slice(3);
    const verdict = operationVerdict(
      diff,
      rest,
      `${pseudo.operationId}`,
      pseudo.operationId,
      true,
      before,
      after,
      path,
    );
    return { ...(verdict ?? fromLibrary(diff, encodePointer(path))), operations: [pseudo.operationId] };
  }
  const method = String(libraryPath[2] ?? '');
  if (!HTTP_METHODS.includes(method as (typeof HTTP_METHODS)[number])) return undefined;
  const side = diff.action === 'add' ? after : before;
  const operation = valueAt(side, ['paths', pathKey, method]);
  const operationId =
    isRecord(operation) && typeof operation.operationId === 'string'
      ? operation.operationId
      : `${method.toUpperCase()} ${pathKey}`;
  const label = `${method.toUpperCase()} ${pathKey} (${operationId})`;
  const verdict = operationVerdict(diff, path.slice(3), label, operationId, false, before, after, path);
  return { ...(verdict ?? fromLibrary(diff, encodePointer(path))), operations: [operationId] };
}

/** Every difference between two bundled OpenAPI 3.x documents, classified. */
export function diffSpecs(before: unknown, after: unknown): SpecChange[] {
  const prepared = { before: prepare(before), after: prepare(after) };
  // The library changes what it is given (it merges allOf in place): give it copies.
  // The library is given the documents with every reference already followed: on a refactor that moves
  // a field into a referenced component (task_id -> TaskId) its own resolution reports the allOf parts
  // around it as removed and added. Paths through the inlined documents are the same resolved paths it
  // reports anyway, so pointers are still found by following references in the written documents.
  // (It also changes what it is given: these copies are its own.)
  const { diffs } = apiCompare(dereference(prepared.before.doc), dereference(prepared.after.doc), {
    notMergeAllOf: true,
  } as never);
  const index = { before: indexOperations(before), after: indexOperations(after) };

  const merged = new Map<string, SpecChange>();
  const put = (change: SpecChange, key: string) => {
    const existing = merged.get(key);
    if (!existing) {
      merged.set(key, { ...change, operations: [...change.operations] });
      return;
    }
    for (const operation of change.operations)
      if (!existing.operations.includes(operation)) existing.operations.push(operation);
  };

  const record = (diff: Diff, path: Segment[], pointer: string, verdict: Verdict, operations: string[]) => {
    const { at: reportAt, ...found } = verdict;
    const keyword = verdict.rule === 'docs' ? docsKeyword(path) : undefined;
    const whole = keyword ? docsPath(path, keyword) : reportAt;
    const at = whole ? pointerFor('replace', whole, before, after) : pointer;
    const key = whole
      ? `${at}|${verdict.rule}|${verdict.class}`
      : `${at}|${verdict.rule}|${verdict.class}|${JSON.stringify(diff.before)}|${JSON.stringify(diff.after)}`;
    put({ pointer: at, ...found, operations, library: diff.type }, key);
  };
  const componentDiffs: { diff: Diff; path: Segment[]; pointer: string }[] = [];
  const skipped: string[] = [];
  for (const diff of diffs) {
    const callbacks = diff.action === 'add' ? prepared.after.callbacks : prepared.before.callbacks;
    const path = realPath(diff.path as Segment[], callbacks);
    const pointer = pointerFor(diff.action, path, before, after);
    if (path[0] === 'components') {
      componentDiffs.push({ diff, path, pointer });
      continue;
    }
    const verdict = classify(diff, path, prepared, before, after) ?? {
      ...fromLibrary(diff, `${encodePointer(path)}`),
      operations: [],
    };
    if (verdict.rule === 'skip') {
      skipped.push(pointer);
      continue;
    }
    record(diff, path, pointer, verdict, verdict.operations);
  }

  // The library also reports each component on its own, without knowing which way its data flows.
  // A change already reported where an operation uses it (at, above or below the same pointer) is not
  // reported again. What is left is a component no operation reaches, or a change the operation-level
  // comparison does not show (it does not follow references to named examples).
  const covered = [...merged.values()].map((change) => change.pointer).concat(skipped);
  const reported = new Set(covered);
  // Where the path passes on its way (each step's written location): a change reported at a field
  // covers what the library finds below it, even through a reference (TaskInfo.external_task_id ->
  // ExternalTaskId).
  const passesReported = (path: Segment[]) =>
    [before, after].some((doc) =>
      path.some((_, i) => {
        const step = sourceLocation(doc, path.slice(0, i + 1));
        return step.consumed === i + 1 && reported.has(encodePointer(step.pointer));
      }),
    );
  for (const { diff, path, pointer } of componentDiffs) {
    if (covered.some((p) => p === pointer || p.startsWith(`${pointer}/`) || pointer.startsWith(`${p}/`))) {
      continue;
    }
    if (passesReported(path)) continue;
    const reaching = [
      ...new Set([...operationsReaching(index.before, pointer), ...operationsReaching(index.after, pointer)]),
    ];
    // A component added or removed whole that an operation uses came with a change of the field that
    // uses it, reported there.
    if (path.length === 3 && reaching.length > 0) continue;
    const docs = docsKeyword(path);
    const whole = path.length === 3;
    const verdict: Verdict = docs
      ? docsVerdict(docs)
      : whole && diff.action === 'add'
        ? {
            class: 'additive',
            rule: 'component-added',
            reason: `component ${String(path[2])} added: the generated types gain a name`,
          }
        : whole && diff.action === 'remove'
          ? {
              class: 'breaking',
              rule: 'component-removed',
              reason: `component ${String(path[2])} removed: code that uses its generated type breaks`,
            }
          : fromLibrary(
              diff,
              `component ${String(path[2])}${reaching.length ? '' : ' (used by no operation)'}: ${path.slice(3).join('.')}`,
            );
    record(diff, path, pointer, verdict, reaching);
  }

  const changes = [
    ...merged.values(),
    ...diffExtensions(before, after, index),
    ...diffSecurity(before, after),
  ];
  for (const change of changes) change.operations.sort();
  return changes.sort(
    (a, b) =>
      bumpRank(BUMP_FOR_CLASS[b.class]) - bumpRank(BUMP_FOR_CLASS[a.class]) ||
      a.pointer.localeCompare(b.pointer) ||
      a.reason.localeCompare(b.reason),
  );
}
