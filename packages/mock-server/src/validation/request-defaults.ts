import { type OpenApiDocument, resolveRef, type SchemaObject } from './spec.js';

/**
 * The `default`s of a request schema, read from the spec: `values` for the properties that have one,
 * `nested` for object properties whose own properties have one (`watermark_info.enabled`). A task reads
 * them (`requestFields`) after validation, never before: with every default filled in, Omni-Image's `n`
 * and `series_amount` would both be present and its series rules would refuse every request (why Ajv's
 * `useDefaults` is not used).
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
