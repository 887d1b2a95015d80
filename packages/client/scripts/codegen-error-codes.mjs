// Generates src/generated/error-codes.ts: for every business code the spec declares on an error response, the
// HTTP statuses it is declared under. The client classifies codes from it (errors.ts), so the table is the
// spec's, never restated by hand. Called by codegen.mjs, which writes the file or (with --check) compares it.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const specPath = require.resolve('@klingkit/spec/openapi.json');
export const errorCodesFile = fileURLToPath(new URL('../src/generated/error-codes.ts', import.meta.url));

/** A local `#/...` reference of the bundled spec, resolved (the bundle has no external ones). */
function resolve(spec, value) {
  let node = value;
  while (node && typeof node.$ref === 'string') {
    node = node.$ref
      .slice(2)
      .split('/')
      .reduce((parent, key) => parent?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], spec);
  }
  return node;
}

/** The `code` enum of an error response's JSON schema: on the schema itself or on one of its `allOf` parts. */
function declaredCodes(spec, schema) {
  const resolved = resolve(spec, schema);
  if (!resolved) return [];
  const own = resolve(spec, resolved.properties?.code)?.enum ?? [];
  return [...own, ...(resolved.allOf ?? []).flatMap((part) => declaredCodes(spec, part))];
}

/** code -> the non-2xx statuses the spec declares it under, both ascending. */
export function errorCodeStatuses(spec) {
  const table = new Map();
  for (const operations of Object.values(spec.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation?.responses ?? {})) {
        if (!/^[3-5]\d\d$/.test(status)) continue;
        for (const media of Object.values(resolve(spec, response)?.content ?? {})) {
          for (const code of declaredCodes(spec, media.schema)) {
            if (!Number.isInteger(code)) throw new Error(`A declared error code is not an integer: ${code}`);
            const statuses = table.get(code) ?? new Set();
            table.set(code, statuses.add(Number(status)));
          }
        }
      }
    }
  }
  return new Map(
    [...table]
      .sort(([a], [b]) => a - b)
      .map(([code, statuses]) => [code, [...statuses].sort((a, b) => a - b)]),
  );
}

/** The TypeScript source the current bundled spec produces. */
export async function generateErrorCodesSource() {
  const spec = JSON.parse(await readFile(specPath, 'utf8'));
  const table = errorCodeStatuses(spec);
  if (!table.size) throw new Error('The spec declares no error codes: is spec/dist/openapi.json complete?');
  const entries = [...table].map(([code, statuses]) => `  ${code}: [${statuses.join(', ')}],`).join('\n');
  return `/**
 * GENERATED FILE - DO NOT EDIT BY HAND.
 * Source: spec/dist/openapi.json, by scripts/codegen-error-codes.mjs: the \`code\` enums of its error responses.
 * Regenerate with \`pnpm --filter @klingkit/client codegen\`; a test fails when this file is stale.
 */

/** Every business code the spec declares, with the HTTP statuses it is declared under, lowest first. */
export const ERROR_CODE_STATUSES: Readonly<Record<number, readonly number[]>> = {
${entries}
};
`;
}
