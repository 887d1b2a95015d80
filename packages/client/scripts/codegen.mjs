// Generates src/generated/schema.ts from the bundled spec with openapi-typescript, and the files of the
// generators beside it (codegen-enums.mjs, codegen-error-codes.mjs).
// `node scripts/codegen.mjs` writes the file; with `--check` (or CI=true) it only compares, so CI fails on
// committed types that no longer match the spec instead of silently regenerating them, and prints the first
// lines that differ so the CI log shows what changed.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { enumsFile, generateEnumsSource } from './codegen-enums.mjs';
import { errorCodesFile, generateErrorCodesSource } from './codegen-error-codes.mjs';
import { staleDiff } from './stale-diff.mjs';

const require = createRequire(import.meta.url);
const specPath = require.resolve('@klingkit/spec/openapi.json');
export const schemaFile = fileURLToPath(new URL('../src/generated/schema.ts', import.meta.url));

const HEADER = `/**
 * GENERATED FILE - DO NOT EDIT BY HAND.
 * Source: spec/dist/openapi.json (bundled from spec/), by openapi-typescript.
 * Regenerate with \`pnpm --filter @klingkit/client codegen\`; a test fails when this file is stale.
 */

`;

/** The TypeScript source the current bundled spec produces. */
export async function generateSchemaSource() {
  const ast = await openapiTS(pathToFileURL(specPath), {
    // A request field with a `default` stays optional: the platform fills it in, callers may omit it.
    defaultNonNullable: false,
    // Types stay structural string unions (no runtime enums), so the browser bundle carries no generated code.
    enum: false,
    // `export type` aliases for every schema, e.g. `ImageGenerationTask`, for readable user-facing types.
    rootTypes: true,
    rootTypesNoSchemaPrefix: true,
  });
  return HEADER + astToString(ast);
}

/** Writes `source` to `file`, or with `check` only compares and shows the difference; true when stale. */
async function emit(file, source, check) {
  const current = await readFile(file, 'utf8').catch(() => '');
  const shown = relative(process.cwd(), file);
  if (current === source) {
    console.log(`${shown} is up to date with the spec.`);
    return false;
  }
  if (check) {
    console.error(
      `${shown} is stale: it no longer matches spec/dist/openapi.json.\n` +
        `${staleDiff(current, source, { label: shown })}\n` +
        'Run `pnpm --filter @klingkit/client codegen` and commit the result.',
    );
    return true;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, source);
  console.log(`Wrote ${shown}.`);
  return false;
}

async function main() {
  const check = process.argv.includes('--check') || process.env.CI === 'true';
  const stale = [
    await emit(schemaFile, await generateSchemaSource(), check),
    await emit(enumsFile, await generateEnumsSource(), check),
    await emit(errorCodesFile, await generateErrorCodesSource(), check),
  ];
  if (stale.includes(true)) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
