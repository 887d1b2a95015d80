import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { components } from '@klingkit/client/schema';

/** The parts of the bundled OpenAPI document the mock reads. */
export interface OpenApiDocument {
  components: {
    schemas: Record<string, SchemaObject>;
    parameters: Record<string, { name: string; schema: SchemaObject }>;
  };
}

export interface SchemaObject {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, SchemaObject>;
  items?: SchemaObject;
  $ref?: string;
  'x-kling-error-code'?: number;
  'x-kling-image'?: ImageConstraints;
  'x-kling-checks'?: KlingCheck[];
  allOf?: (SchemaObject & { 'x-kling-rule'?: KlingRule })[];
  [keyword: string]: unknown;
}

/** A cross-field rule JSON Schema expresses; the mock only reads its message. */
export interface KlingRule {
  id: string;
  field: string;
  message: string;
}

/** A rule JSON Schema cannot express, evaluated by the request validator (request-validator.ts). */
export type KlingCheck =
  | { id: string; kind: 'max-references'; field: string; fields: string[]; max: number; message: string }
  | { id: string; kind: 'template-references'; field: string; prefix: string; list: string; message: string };

export interface ImageConstraints {
  formats: string[];
  maxBytes: number;
  minSide: number;
  minAspectRatio: number;
  maxAspectRatio: number;
  urlSchemes: string[];
}

let cached: { spec: OpenApiDocument; sha256: string } | undefined;

function read() {
  if (!cached) {
    const path = createRequire(import.meta.url).resolve('@klingkit/spec/openapi.json');
    const text = readFileSync(path, 'utf8');
    cached = {
      spec: JSON.parse(text) as OpenApiDocument,
      sha256: createHash('sha256').update(text).digest('hex'),
    };
  }
  return cached;
}

/** The bundled spec (`@klingkit/spec/openapi.json`), read once: the single source of every API rule. */
export function loadSpec(): OpenApiDocument {
  return read().spec;
}

/** SHA-256 of the bundled spec's text: what compiled validators are checked against before they are used. */
export function specSha256(): string {
  return read().sha256;
}

/** Follows a local `$ref` such as `#/components/schemas/ImageInput`. */
export function resolveRef(spec: OpenApiDocument, schema: SchemaObject): SchemaObject {
  if (!schema.$ref) return schema;
  const path = schema.$ref.replace(/^#\//, '').split('/');
  let node: unknown = spec;
  for (const segment of path) node = (node as Record<string, unknown>)[segment];
  return resolveRef(spec, node as SchemaObject);
}

/**
 * Every business code an error response of the spec documents, derived from the generated types (one place:
 * the spec's `code` enums on `#/components/responses/*`); `errorStatuses` reads the same enums at run time.
 */
export type DocumentedErrorCode = NonNullable<
  {
    [Name in keyof components['responses']]: components['responses'][Name]['content']['application/json']['code'];
  }[keyof components['responses']]
>;

/**
 * Business code -> HTTP status, read from the error responses the spec declares (each lists the codes it
 * may carry), so the mock answers every code with the status the spec documents for it.
 */
export function errorStatuses(spec: OpenApiDocument): Map<number, number> {
  const statuses = new Map<number, number>();
  forEachErrorResponse(spec, (status, codes) => {
    for (const code of codes) statuses.set(code, status);
  });
  return statuses;
}

/** The codes whose error response declares a `Retry-After` header (the spec's 429 and 503 answers). */
export function retryAfterCodes(spec: OpenApiDocument): Set<number> {
  const codes = new Set<number>();
  forEachErrorResponse(spec, (_status, listed, headers) => {
    if (Object.keys(headers).some((name) => name.toLowerCase() === 'retry-after'))
      for (const code of listed) codes.add(code);
  });
  return codes;
}

function forEachErrorResponse(
  spec: OpenApiDocument,
  visit: (status: number, codes: number[], headers: Record<string, unknown>) => void,
): void {
  const paths = (
    spec as unknown as { paths: Record<string, Record<string, { responses?: Record<string, SchemaObject> }>> }
  ).paths;
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const resolved = resolveRef(spec, response) as {
          content?: Record<string, { schema?: SchemaObject }>;
          headers?: Record<string, unknown>;
        };
        const schema = resolved.content?.['application/json']?.schema;
        const codes: number[] = [];
        for (const part of schema?.allOf ?? [])
          codes.push(...((part.properties?.code?.enum as number[] | undefined) ?? []));
        if (codes.length > 0) visit(Number(status), codes, resolved.headers ?? {});
      }
    }
  }
}
