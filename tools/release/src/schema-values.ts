/**
 * A rough answer to "does every value schema A allows also pass schema B?", for the cases where a
 * keyword-by-keyword diff cannot tell: a field rewritten as `anyOf`/`oneOf`, or whose `type` moved into
 * its alternatives. It looks at JSON types only, and says "cannot tell" whenever B constrains more than
 * its type, so a `true` is safe to act on.
 */
import { isDeepStrictEqual } from 'node:util';
import { isRecord } from './json-pointer.js';

/** Keywords that say nothing about which values pass. */
const NEUTRAL = new Set([
  'type',
  'description',
  'title',
  'summary',
  'examples',
  'example',
  'deprecated',
  'default',
  '$comment',
  'readOnly',
  'writeOnly',
]);

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function ownTypes(schema: Record<string, unknown>): Set<string> | undefined {
  if ('const' in schema) return new Set([jsonType(schema.const)]);
  if (Array.isArray(schema.enum)) return new Set(schema.enum.map(jsonType));
  if (typeof schema.type === 'string') return new Set([schema.type]);
  if (Array.isArray(schema.type)) return new Set(schema.type.map(String));
  return undefined;
}

/** The JSON types a schema's values can have; undefined when any type passes. */
export function valueTypes(schema: unknown): Set<string> | undefined {
  if (!isRecord(schema)) return undefined;
  const own = ownTypes(schema);
  const alternatives = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : undefined;
  if (!alternatives) return own;
  const union = new Set<string>();
  for (const alternative of alternatives) {
    const types = valueTypes(alternative) ?? own;
    if (!types) return own; // an alternative of any type: only the schema's own type limits it
    for (const type of types) union.add(type);
  }
  // The schema's own type still applies to whichever alternative matched.
  return own ? new Set([...union].filter((type) => typesWithin(new Set([type]), own))) : union;
}

/** Whether a schema limits values beyond their JSON type (alternatives count only by what they limit). */
function constrains(schema: Record<string, unknown>): boolean {
  return Object.entries(schema).some(([key, value]) => {
    if (value === undefined || NEUTRAL.has(key) || key.startsWith('x-')) return false;
    if ((key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      return value.some((alternative) => !isRecord(alternative) || constrains(alternative));
    }
    return true;
  });
}

function typesWithin(inner: Set<string>, outer: Set<string>): boolean {
  return [...inner].every((type) => outer.has(type) || (type === 'integer' && outer.has('number')));
}

/** true: every value `inner` allows, `outer` allows; false: some do not; undefined: cannot tell. */
export function allowsAll(outer: unknown, inner: unknown): boolean | undefined {
  if (isDeepStrictEqual(outer, inner)) return true;
  if (!isRecord(outer) || !isRecord(inner)) return undefined;
  if (constrains(outer)) return undefined;
  const outerTypes = valueTypes(outer);
  if (!outerTypes) return true; // only annotations: anything passes
  const innerTypes = valueTypes(inner);
  if (!innerTypes) return false; // any type against some types
  return typesWithin(innerTypes, outerTypes);
}
