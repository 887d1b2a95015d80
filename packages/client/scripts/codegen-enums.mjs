// Generates src/generated/enums.ts from the bundled spec: the allowed values and the default of every enum
// field of each create request, so code that must offer them at run time (a form's choices, a CLI's flags)
// imports a few hundred bytes instead of the whole spec. codegen.mjs writes it and checks it fresh.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const enumsFile = fileURLToPath(new URL('../src/generated/enums.ts', import.meta.url));

const HEADER = `/**
 * GENERATED FILE - DO NOT EDIT BY HAND.
 * Source: spec/dist/openapi.json (bundled from spec/), by scripts/codegen-enums.mjs.
 * Regenerate with \`pnpm --filter @klingkit/client codegen\`; a test fails when this file is stale.
 */

`;

const SCHEMA_REF = /^#\/components\/schemas\/([^/]+)$/;

/** The component a local `$ref` names, or the schema itself when it is written inline. */
function resolve(spec, schema) {
  const name = SCHEMA_REF.exec(schema?.$ref ?? '')?.[1];
  if (!name) return schema;
  const target = spec.components?.schemas?.[name];
  if (!target) throw new Error(`The spec has no schema ${name} (from ${schema.$ref}).`);
  return resolve(spec, target);
}

/**
 * Per request body schema (by component name, in the order the paths name them): each top-level property
 * with an `enum`, as `{ values, default }` (`default` only when the spec gives one).
 */
export function requestEnums(spec) {
  const result = {};
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      const body = operation?.requestBody?.content?.['application/json']?.schema;
      if (!body) continue;
      const name = SCHEMA_REF.exec(body.$ref ?? '')?.[1];
      // Named, so that a reader finds a request's enums under the name its generated type has.
      if (!name)
        throw new Error(`${method.toUpperCase()} ${path}: the request body is no $ref to a component.`);
      if (name in result) continue;
      const fields = {};
      for (const [field, property] of Object.entries(resolve(spec, body).properties ?? {})) {
        const schema = resolve(spec, property);
        if (!Array.isArray(schema.enum)) continue;
        fields[field] = { values: schema.enum, ...('default' in schema && { default: schema.default }) };
      }
      result[name] = fields;
    }
  }
  return result;
}

/**
 * `enums` as a TypeScript literal with one line per field: a field's values read across, and requests that
 * share a field (the same aspect ratios, say) do not repeat it line for line in the generated file.
 */
function layout(enums) {
  const schemas = Object.entries(enums).map(([schema, fields]) => {
    const lines = Object.entries(fields).map(
      ([field, entry]) => `    ${JSON.stringify(field)}: ${JSON.stringify(entry)}`,
    );
    return `  ${JSON.stringify(schema)}: ${lines.length === 0 ? '{}' : `{\n${lines.join(',\n')}\n  }`}`;
  });
  return schemas.length === 0 ? '{}' : `{\n${schemas.join(',\n')}\n}`;
}

/** The TypeScript source of src/generated/enums.ts for `spec` (by default the bundled spec). */
export async function generateEnumsSource(spec) {
  const document = spec ?? JSON.parse(await readFile(require.resolve('@klingkit/spec/openapi.json'), 'utf8'));
  return `${HEADER}/**
 * The enum fields of each create request, by schema name: the values the spec allows, in its order, and the
 * field's default when it has one. \`requestEnums(family)\` in \`@klingkit/client/spec-facts\` picks a family's.
 */
export const REQUEST_ENUMS = ${layout(requestEnums(document))} as const;
`;
}
