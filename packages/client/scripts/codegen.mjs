// Generates src/generated/schema.ts from the bundled spec with openapi-typescript, and the other files in
// TARGETS with their own generators.
// `node scripts/codegen.mjs` writes the file; with `--check` (or CI=true) it only compares, so CI fails on
// committed types that no longer match the spec instead of silently regenerating them.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { errorCodesFile, generateErrorCodesSource } from './codegen-error-codes.mjs';

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

/** Every generated file: where it goes and what makes it. Another generator is one more line here. */
const TARGETS = [
  { file: schemaFile, generate: generateSchemaSource },
  { file: errorCodesFile, generate: generateErrorCodesSource },
];

/** Writes `file` (or, with `check`, only compares it); false when a check finds it stale. */
async function sync({ file, generate }, check) {
  const source = await generate();
  const current = await readFile(file, 'utf8').catch(() => '');
  const shown = relative(process.cwd(), file);
  if (current === source) {
    console.log(`${shown} is up to date with the spec.`);
    return true;
  }
  if (check) {
    console.error(
      `${shown} is stale: it no longer matches spec/dist/openapi.json.\n` +
        'Run `pnpm --filter @klingkit/client codegen` and commit the result.',
    );
    return false;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, source);
  console.log(`Wrote ${shown}.`);
  return true;
}

async function main() {
  const check = process.argv.includes('--check') || process.env.CI === 'true';
  let fresh = true;
  for (const target of TARGETS) fresh = (await sync(target, check)) && fresh;
  if (!fresh) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
