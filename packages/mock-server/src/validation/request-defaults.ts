import { type OpenApiDocument, resolveRef, type SchemaObject } from './spec.js';

/**
 * The `default`s of a request schema, read from the spec: `values` for the properties that have one,
 * `nested` for object properties whose own properties have one (`watermark_info.enabled`).
 */
export interface RequestDefaults {
  values: Record<string, unknown>;
  nested: Record<string, RequestDefaults>;
}

/** Collects the defaults of `schema`'s properties, following `$ref`s (each schema once: no cycles). */
export function requestDefaults(
  spec: OpenApiDocument,
  schema: SchemaObject,
  seen: ReadonlySet<SchemaObject> = new Set(),
): RequestDefaults {
  const defaults: RequestDefaults = { values: {}, nested: {} };
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const resolved = resolveRef(spec, property);
    if ('default' in resolved) defaults.values[name] = resolved.default;
    if (resolved.properties && !seen.has(resolved)) {
      const inner = requestDefaults(spec, resolved, new Set([...seen, schema]));
      if (Object.keys(inner.values).length + Object.keys(inner.nested).length > 0)
        defaults.nested[name] = inner;
    }
  }
  return defaults;
}

/**
 * A valid request as the platform reads it: each field it omits takes the spec's default, inside the
 * objects it sends too (`watermark_info: {}`). A new object; `body` is left as it is. Applied after
 * validation, never before: with every default filled in, Omni-Image's `n` and `series_amount` would both
 * be present and its series rules would refuse every request (why Ajv's `useDefaults` is not used).
 */
export function withDefaults(
  defaults: RequestDefaults,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const request: Record<string, unknown> = { ...defaults.values, ...body };
  for (const [name, inner] of Object.entries(defaults.nested)) {
    const value = body[name];
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      request[name] = withDefaults(inner, value as Record<string, unknown>);
  }
  return request;
}
